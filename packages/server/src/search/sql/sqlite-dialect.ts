/**
 * @module The search SQL of the embedded SQLite store: named placeholders `@p1..@pn` (the text
 * need not list parameters in the order they were bound), one dynamically typed value
 * column (`val`, BLOB affinity, so storage classes stay apart), GLOB for `like`, the evaluator's own
 * matcher as a SQL function for `ilike`, and json_type/json_extract for sorting by a path.
 */
import { FIELD_KIND, type FieldKind } from '../../store/search-index/field-kinds.js';
import { ILIKE_FUNCTION } from '../../store/search-index/case-folding.js';
import { globPattern, literalPrefix, prefixUpperBound } from './like-pattern.js';
import { SearchDialect, sortRank, type Comparison, type ThingRow, type ValueType } from './search-dialect.js';
import type { ParamType, SqlBuilder, SqlParam } from './sql-builder.js';

const KIND: Record<ValueType, FieldKind> = {
  number: FIELD_KIND.number,
  string: FIELD_KIND.string,
  boolean: FIELD_KIND.boolean,
};

/** `$."a"."b"`: every segment quoted, so dots, brackets and the like in keys stay literal. */
function jsonPath(segments: readonly string[]): string {
  return '$' + segments.map((s) => `."${s.replace(/["\\]/g, (c) => `\\${c}`)}"`).join('');
}

/** A range on a text expression that every string with the pattern's literal prefix falls into. */
function prefixRange(b: SqlBuilder, expr: string, pattern: string): string {
  const prefix = literalPrefix(pattern);
  if (prefix === '') return '';
  const upper = prefixUpperBound(prefix);
  return ` AND ${expr} >= ${b.param(prefix, 'text')}${upper === undefined ? '' : ` AND ${expr} < ${b.param(upper, 'text')}`}`;
}

export class SqliteSearchDialect extends SearchDialect {
  readonly name = 'sqlite' as const;
  override readonly readerSets = true;

  placeholder(index: number): string {
    return `@p${index}`;
  }

  notDeleted(things: string): string {
    return `${things}.deleted = 0`;
  }

  /**
   * SQLite plans `ORDER BY … LIMIT n` with a bounded sorter only when n is known when the statement
   * is prepared: a bound LIMIT made a 1-hit page ~2.4× slower at 100k twins (ADR 0004). Page sizes
   * are few (1–201), so the statement cache stays small.
   */
  override limit(_b: SqlBuilder, n: number): string {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a page limit: ${n}`);
    return String(n);
  }

  fieldKind(kind: FieldKind): string {
    return `f.kind = ${kind}`;
  }

  fieldCompare(b: SqlBuilder, type: ValueType, op: Comparison, value: number | string): string {
    return `f.kind = ${KIND[type]} AND f.val ${op} ${b.param(value, this.paramType(value))}`;
  }

  fieldIn(b: SqlBuilder, type: ValueType, values: readonly (number | string)[]): string {
    const first = values[0] ?? 0;
    return `f.kind = ${KIND[type]} AND f.val IN (${b.list(values, this.paramType(first))})`;
  }

  fieldLike(b: SqlBuilder, pattern: string): string {
    return `f.kind = ${FIELD_KIND.string} AND f.val GLOB ${b.param(globPattern(pattern), 'text')}${prefixRange(b, 'f.val', pattern)}`;
  }

  fieldIlike(b: SqlBuilder, pattern: string): string {
    return `f.kind = ${FIELD_KIND.string} AND ${ILIKE_FUNCTION}(f.val, ${b.param(pattern, 'text')}) = 1`;
  }

  columnLike(b: SqlBuilder, column: string, pattern: string): string {
    return `(${column} GLOB ${b.param(globPattern(pattern), 'text')}${prefixRange(b, column, pattern)})`;
  }

  columnIlike(b: SqlBuilder, column: string, pattern: string): string {
    return `${ILIKE_FUNCTION}(${column}, ${b.param(pattern, 'text')}) = 1`;
  }

  jsonSortAtoms(b: SqlBuilder, column: string, segments: readonly string[]): string[] {
    const path = () => b.param(jsonPath(segments), 'text');
    const rank = `CASE json_type(${column}, ${path()}) WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'text' THEN 2 WHEN 'true' THEN 3 WHEN 'false' THEN 3 ELSE 0 END`;
    const value = `CASE WHEN json_type(${column}, ${path()}) IN ('integer', 'real', 'text') THEN json_extract(${column}, ${path()}) WHEN json_type(${column}, ${path()}) = 'true' THEN 1 ELSE 0 END`;
    return [rank, value];
  }

  jsonSortAtomValues(value: string | number | boolean | null): SqlParam[] {
    const rank = sortRank(value);
    if (value === null) return [rank, 0];
    if (typeof value === 'boolean') return [rank, value ? 1 : 0];
    return [rank, value];
  }

  jsonSortAtomTypes(value: string | number | boolean | null): ParamType[] {
    return ['float8', typeof value === 'string' ? 'text' : 'float8'];
  }

  decodeRow(row: Readonly<Record<string, unknown>>): ThingRow {
    return {
      id: row.id as string,
      revision: Number(row.revision),
      created: row.created as string,
      modified: row.modified as string,
      value: JSON.parse(row.value as string) as Record<string, unknown>,
      metadata:
        typeof row.metadata === 'string' ? (JSON.parse(row.metadata) as Record<string, unknown>) : undefined,
      policyId: (row.policy_id as string | null) ?? null,
      namespace: row.namespace as string,
    };
  }
}
