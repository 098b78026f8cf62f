/**
 * @module The search SQL of the PostgreSQL store: `$n::type` placeholders, typed value columns
 * (`num` for numbers and booleans, `str` for strings) with the guards their partial indexes need,
 * LIKE with backslash escapes, `ilike` over the case-folded copy of each string, and jsonb access
 * for sorting by a path. Text compares in the "C" collation (code point order, like SQLite).
 */
import { FIELD_KIND, type FieldKind } from '../../store/search-index/field-kinds.js';
import { foldCase } from '../../store/search-index/case-folding.js';
import { likePattern, literalPrefix, prefixUpperBound } from './like-pattern.js';
import { SearchDialect, sortRank, type Comparison, type ThingRow, type ValueType } from './search-dialect.js';
import type { ParamType, SqlBuilder, SqlParam } from './sql-builder.js';

const KIND: Record<ValueType, FieldKind> = {
  number: FIELD_KIND.number,
  string: FIELD_KIND.string,
  boolean: FIELD_KIND.boolean,
};

function prefixRange(b: SqlBuilder, expr: string, pattern: string): string {
  const prefix = literalPrefix(pattern);
  if (prefix === '') return '';
  const upper = prefixUpperBound(prefix);
  return ` AND ${expr} >= ${b.param(prefix, 'text')}${upper === undefined ? '' : ` AND ${expr} < ${b.param(upper, 'text')}`}`;
}

export class PostgresSearchDialect extends SearchDialect {
  readonly name = 'postgres' as const;

  placeholder(index: number, type: ParamType): string {
    return `$${index}::${type}`;
  }

  notDeleted(things: string): string {
    return `NOT ${things}.deleted`;
  }

  // `str IS NULL` is the predicate of the partial index over (pid, kind, num).
  fieldKind(kind: FieldKind): string {
    return `f.kind = ${kind} AND f.str IS NULL`;
  }

  fieldCompare(b: SqlBuilder, type: ValueType, op: Comparison, value: number | string): string {
    if (type === 'string') return `f.kind = ${KIND.string} AND f.str ${op} ${b.param(value, 'text')}`;
    return `f.kind = ${KIND[type]} AND f.str IS NULL AND f.num ${op} ${b.param(value, 'float8')}`;
  }

  fieldIn(b: SqlBuilder, type: ValueType, values: readonly (number | string)[]): string {
    if (type === 'string') return `f.kind = ${KIND.string} AND f.str IN (${b.list(values, 'text')})`;
    return `f.kind = ${KIND[type]} AND f.str IS NULL AND f.num IN (${b.list(values, 'float8')})`;
  }

  fieldLike(b: SqlBuilder, pattern: string): string {
    return `f.kind = ${FIELD_KIND.string} AND f.str LIKE ${b.param(likePattern(pattern), 'text')}${prefixRange(b, 'f.str', pattern)}`;
  }

  fieldIlike(b: SqlBuilder, pattern: string): string {
    return `f.kind = ${FIELD_KIND.string} AND f.fold LIKE ${b.param(likePattern(foldCase(pattern)), 'text')}`;
  }

  columnLike(b: SqlBuilder, column: string, pattern: string): string {
    const c = this.orderedText(column);
    return `(${c} LIKE ${b.param(likePattern(pattern), 'text')}${prefixRange(b, c, pattern)})`;
  }

  // Columns have no folded copy: lower() in the database's collation folds like the evaluator for
  // all but a few letters (docs/compatibility.md).
  columnIlike(b: SqlBuilder, column: string, pattern: string): string {
    return `lower(${column} COLLATE "default") LIKE ${b.param(likePattern(foldCase(pattern)), 'text')}`;
  }

  override orderedText(column: string): string {
    return `(${column} COLLATE "C")`;
  }

  jsonSortAtoms(b: SqlBuilder, column: string, segments: readonly string[]): string[] {
    // `->` with a text key never indexes into an array (`#>` would), as in SQLite's `$."k"` paths.
    const at = () => `(${column}${segments.map((s) => ` -> ${b.param(s, 'text')}`).join('')})`;
    const type = () => `jsonb_typeof(${at()})`;
    const rank = `CASE ${type()} WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'boolean' THEN 3 ELSE 0 END`;
    const num = `CASE ${type()} WHEN 'number' THEN (${at()})::float8 WHEN 'boolean' THEN CASE WHEN (${at()})::boolean THEN 1 ELSE 0 END ELSE 0 END`;
    const str = `(CASE WHEN ${type()} = 'string' THEN ${at()} #>> '{}' ELSE '' END) COLLATE "C"`;
    return [rank, num, str];
  }

  jsonSortAtomValues(value: string | number | boolean | null): SqlParam[] {
    const rank = sortRank(value);
    if (value === null) return [rank, 0, ''];
    if (typeof value === 'number') return [rank, value, ''];
    if (typeof value === 'string') return [rank, 0, value];
    return [rank, value ? 1 : 0, ''];
  }

  jsonSortAtomTypes(): ParamType[] {
    return ['float8', 'float8', 'text'];
  }

  decodeRow(row: Readonly<Record<string, unknown>>): ThingRow {
    return {
      id: row.id as string,
      revision: Number(row.revision),
      created: row.created as string,
      modified: row.modified as string,
      value: row.value as Record<string, unknown>,
      metadata: (row.metadata as Record<string, unknown> | null) ?? undefined,
      policyId: (row.policy_id as string | null) ?? null,
      namespace: row.namespace as string,
    };
  }
}
