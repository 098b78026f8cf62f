/**
 * @module Sorting: what a sort property orders by, its SQL (a tuple of never-NULL expressions per
 * entry, so that ORDER BY, the cursor condition and the JS comparator agree), and the JS side of
 * the same order, used to merge result streams and to remember where a page ended.
 *
 * The order of one entry: absent / null / object / array < numbers < strings (by code point) <
 * false < true. Ditto leaves the order across types unspecified; this one is the same on both
 * stores. Ties are broken by thingId ascending unless the sort names thingId itself.
 */
import { propertyTarget, type ColumnName } from './property-target.js';
import { sortRank, type SearchDialect, type ThingRow } from './search-dialect.js';
import type { ParamType, SqlBuilder, SqlParam } from './sql-builder.js';

export type SortValue = string | number | boolean | null;

export type SortSource =
  | {
      readonly kind: 'column';
      readonly column: ColumnName;
      readonly type: 'string' | 'number';
      readonly nullable: boolean;
    }
  | { readonly kind: 'json'; readonly json: 'value' | 'metadata'; readonly segments: readonly string[] }
  | { readonly kind: 'none' };

export interface SortSpec {
  readonly property: string;
  readonly direction: 'asc' | 'desc';
  readonly source: SortSource;
}

/** The source of a sort property; undefined for what cannot be sorted by (the feature wildcard). */
export function sortSource(property: string): SortSource | undefined {
  const target = propertyTarget(property);
  if (target.kind === 'nothing') return { kind: 'none' };
  if (target.kind === 'column')
    return { kind: 'column', column: target.column, type: target.type, nullable: target.nullable };
  if (target.wildcard) return undefined;
  return { kind: 'json', json: target.json, segments: target.segments };
}

/** Appends `+thingId` unless thingId is sorted by already; entries after thingId never matter. */
export function withTieBreaker(specs: readonly SortSpec[]): SortSpec[] {
  const out: SortSpec[] = [];
  for (const spec of specs) {
    out.push(spec);
    if (spec.source.kind === 'column' && spec.source.column === 'id') return out;
  }
  out.push({
    property: 'thingId',
    direction: 'asc',
    source: { kind: 'column', column: 'id', type: 'string', nullable: false },
  });
  return out;
}

interface Atom {
  readonly sql: string;
  readonly direction: 'asc' | 'desc';
}

function atoms(b: SqlBuilder, spec: SortSpec): Atom[] {
  const d = b.dialect;
  const s = spec.source;
  let sql: string[];
  if (s.kind === 'none') sql = [];
  else if (s.kind === 'json') sql = d.jsonSortAtoms(b, `t.${s.json}`, s.segments);
  else if (s.type === 'number') sql = [`t.${s.column}`];
  else if (!s.nullable) sql = [d.orderedText(`t.${s.column}`)];
  else
    sql = [`CASE WHEN t.${s.column} IS NULL THEN 0 ELSE 1 END`, d.orderedText(`coalesce(t.${s.column}, '')`)];
  return sql.map((x) => ({ sql: x, direction: spec.direction }));
}

function atomParams(
  d: SearchDialect,
  spec: SortSpec,
  value: SortValue,
): { value: SqlParam; type: ParamType }[] {
  const s = spec.source;
  if (s.kind === 'none') return [];
  if (s.kind === 'json') {
    const types = d.jsonSortAtomTypes(value);
    return d.jsonSortAtomValues(value).map((v, i) => ({ value: v, type: types[i] ?? 'text' }));
  }
  const type: ParamType = s.type === 'number' ? 'float8' : 'text';
  const plain = typeof value === 'boolean' ? null : value;
  if (!s.nullable) return [{ value: plain, type }];
  return [
    { value: plain === null ? 0 : 1, type: 'float8' },
    { value: plain ?? '', type },
  ];
}

export function orderBy(b: SqlBuilder, specs: readonly SortSpec[]): string {
  return specs
    .flatMap((spec) => atoms(b, spec))
    .map((a) => `${a.sql} ${a.direction === 'asc' ? 'ASC' : 'DESC'}`)
    .join(', ');
}

/** Rows strictly after the position `values` (one per spec) in the order of `specs`. */
export function after(b: SqlBuilder, specs: readonly SortSpec[], values: readonly SortValue[]): string {
  const pairs: { atom: Atom; value: SqlParam; type: ParamType }[] = [];
  specs.forEach((spec, i) => {
    const params = atomParams(b.dialect, spec, values[i] ?? null);
    atoms(b, spec).forEach((atom, j) => {
      const p = params[j];
      if (p) pairs.push({ atom, ...p });
    });
  });
  const alternatives = pairs.map((pair, i) => {
    const equal = pairs.slice(0, i).map((q) => `${q.atom.sql} = ${b.param(q.value, q.type)}`);
    const op = pair.atom.direction === 'asc' ? '>' : '<';
    return [...equal, `${pair.atom.sql} ${op} ${b.param(pair.value, pair.type)}`].join(' AND ');
  });
  return alternatives.length === 0 ? b.dialect.false : `(${alternatives.map((a) => `(${a})`).join(' OR ')})`;
}

/** The sort value of a row, computed in JS exactly as the SQL orders it. */
export function sortValueOf(row: ThingRow, source: SortSource): SortValue {
  if (source.kind === 'none') return null;
  if (source.kind === 'column') {
    switch (source.column) {
      case 'id':
        return row.id;
      case 'namespace':
        return row.namespace;
      case 'policy_id':
        return row.policyId;
      case 'revision':
        return row.revision;
      case 'created':
        return row.created;
      case 'modified':
        return row.modified;
    }
  }
  let current: unknown = source.json === 'value' ? row.value : row.metadata;
  for (const segment of source.segments) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return null;
    current = Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
  }
  if (typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean')
    return current;
  return null;
}

/** Code point order, which is the byte order of UTF-8 that both stores compare text in. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function compareSortValues(a: SortValue, b: SortValue): number {
  const ra = sortRank(a);
  const rb = sortRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'string' && typeof b === 'string') return compareText(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return 0;
}

/** Compares two positions (one value per spec) in the order of `specs`. */
export function comparePositions(
  specs: readonly SortSpec[],
  a: readonly SortValue[],
  b: readonly SortValue[],
): number {
  for (let i = 0; i < specs.length; i++) {
    const c = compareSortValues(a[i] ?? null, b[i] ?? null);
    if (c !== 0) return specs[i]?.direction === 'desc' ? -c : c;
  }
  return 0;
}
