/**
 * @module Whole search queries: a page of Things (filter, namespaces, visibility, cursor position,
 * order, limit) and a count, assembled from the filter compiler, the sort keys and the dialect.
 *
 * Visibility comes from the reader rows (`policy_readers`) of each Thing's (policy, namespace):
 * - `full`: the caller holds a subject with unrestricted READ and none that revokes READ anywhere;
 *   these Things are filtered, ordered and counted entirely in SQL;
 * - `partial`: the caller may read something but not everything; these candidates are checked in
 *   memory on the caller's view (search-service.ts), so the SQL only narrows them down.
 *
 * Where the store keeps reader sets (SearchDialect.readerSets, ADR 0004), the probe also lists the
 * sets the caller reads in full, and `full` becomes a test of the Thing's set id; a count or a
 * thingId-ordered page of a single field condition is then answered from the field index alone.
 */
import type { RqlNode } from '@egiz/core';
import type { SearchQuery } from '../../store/port.js';
import { compileFieldCondition, compileFilter } from './filter-compiler.js';
import { THING_COLUMNS, type SearchDialect } from './search-dialect.js';
import { SqlBuilder } from './sql-builder.js';
import { after, orderBy, type SortSpec, type SortValue } from './sort-keys.js';

export type Visibility = 'full' | 'partial';

export interface SelectionSpec {
  /** The filter to apply in SQL, if any (in partial mode only a filter that never hides a match). */
  readonly filter: RqlNode | undefined;
  readonly namespaces: readonly string[] | undefined;
  /** The caller's subjects (at least one). */
  readonly subjects: readonly string[];
  readonly visibility: Visibility;
  /**
   * Whether any of the caller's subjects revokes READ somewhere (readerProbeQuery); without such a
   * subject, the check that none of them revokes on the Thing's policy is left out. Default true.
   */
  readonly revokes?: boolean;
  /**
   * The reader sets the caller reads in full, in the selected namespaces (ReaderProbe.sets); when
   * given, `full` visibility is membership of the Thing's set instead of a lookup of reader rows.
   */
  readonly sets?: readonly number[] | undefined;
  readonly now: Date;
}

export interface PageSpec extends SelectionSpec {
  /** Complete order, tie-breaker included (withTieBreaker). */
  readonly sort: readonly SortSpec[];
  /** Start strictly after this position (one value per sort entry). */
  readonly after: readonly SortValue[] | undefined;
  readonly limit: number;
}

function readers(b: SqlBuilder, subjects: readonly string[], condition: string): string {
  return `SELECT 1 FROM policy_readers r WHERE r.policy_id = t.policy_id AND r.namespace = t.namespace AND r.subject IN (${b.list(subjects, 'text')}) AND ${condition}`;
}

function fullyVisible(b: SqlBuilder, subjects: readonly string[], revokes: boolean): string {
  const grants = `EXISTS (${readers(b, subjects, 'r.access = 2')})`;
  return revokes ? `${grants} AND NOT EXISTS (${readers(b, subjects, 'r.revokes = 1')})` : grants;
}

/** Membership of the column's reader set in the caller's fully readable sets (never NULL). */
function inSets(b: SqlBuilder, column: string, sets: readonly number[]): string {
  return sets.length === 0 ? b.dialect.false : `${column} IN (${b.list(sets, 'int4')})`;
}

/**
 * The predicate of the partial index `policy_readers_partial`: reader rows that make a Thing only
 * partly visible. Every Thing a caller reads only partly has such a row for one of the caller's
 * subjects (no unrestricted grant means a partial one; otherwise a revoke), so these rows, found
 * through that small index, drive the partial stream instead of all of the caller's reader rows.
 */
const PARTIAL_ROW = '(r.access = 1 OR r.revokes = 1)';

function where(b: SqlBuilder, spec: SelectionSpec): string[] {
  const parts = [b.dialect.notDeleted('t')];
  if (spec.namespaces !== undefined) {
    if (spec.namespaces.length === 0) parts.push(b.dialect.false);
    else parts.push(`t.namespace IN (${b.list(spec.namespaces, 'text')})`);
  }
  const revokes = spec.revokes ?? true;
  if (spec.visibility === 'full')
    parts.push(
      spec.sets !== undefined ? inSets(b, 't.rs', spec.sets) : fullyVisible(b, spec.subjects, revokes),
    );
  else {
    // Driven by the caller's partial reader rows (partial index), not by a scan of all Things.
    parts.push(
      `t.tid IN (SELECT t2.tid FROM policy_readers r JOIN things t2 ON t2.policy_id = r.policy_id AND t2.namespace = r.namespace WHERE r.subject IN (${b.list(spec.subjects, 'text')}) AND ${PARTIAL_ROW})`,
      `EXISTS (${readers(b, spec.subjects, 'r.access > 0')})`,
      `NOT (${fullyVisible(b, spec.subjects, revokes)})`,
    );
  }
  if (spec.filter !== undefined) parts.push(compileFilter(spec.filter, { b, now: spec.now }));
  return parts;
}

export function pageQuery(dialect: SearchDialect, spec: PageSpec): SearchQuery {
  const fast = fieldIndexPage(dialect, spec);
  if (fast !== undefined) return fast;
  const b = new SqlBuilder(dialect);
  const parts = where(b, spec);
  if (spec.after !== undefined) parts.push(after(b, spec.sort, spec.after));
  const order = orderBy(b, spec.sort);
  const limit = b.dialect.limit(b, spec.limit);
  const sql = `SELECT ${THING_COLUMNS} FROM things t WHERE ${parts.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`;
  return { sql, params: b.params };
}

export function countQuery(dialect: SearchDialect, spec: SelectionSpec): SearchQuery {
  const fast = fieldIndexCount(dialect, spec);
  if (fast !== undefined) return fast;
  const b = new SqlBuilder(dialect);
  const sql = `SELECT count(*) AS n FROM things t WHERE ${where(b, spec).join(' AND ')}`;
  return { sql, params: b.params };
}

/**
 * Field rows `f` of the caller's fully readable Things that satisfy a filter made of one field
 * condition, or undefined when the spec does not allow answering from the field index alone. Field
 * rows exist only for live Things, and a reader set belongs to one namespace (the probe selected
 * the sets of the requested namespaces), so neither needs the Thing's row.
 */
function fieldIndexRows(
  b: SqlBuilder,
  spec: SelectionSpec,
): { readonly where: string; readonly ordered: boolean } | undefined {
  if (spec.visibility !== 'full' || spec.sets === undefined || spec.filter === undefined) return undefined;
  const condition = compileFieldCondition(spec.filter, { b, now: spec.now });
  if (condition === undefined) return undefined;
  return { where: `${condition.where} AND ${inSets(b, 'f.rs', spec.sets)}`, ordered: condition.ordered };
}

function fieldIndexCount(dialect: SearchDialect, spec: SelectionSpec): SearchQuery | undefined {
  const b = new SqlBuilder(dialect);
  const rows = fieldIndexRows(b, spec);
  if (rows === undefined) return undefined;
  // Several rows of one Thing may match (array elements, `features/*`, ranges) unless ordered.
  const n = rows.ordered ? 'count(*)' : 'count(DISTINCT f.tid)';
  return { sql: `SELECT ${n} AS n FROM thing_fields f WHERE ${rows.where}`, params: b.params };
}

/** The default order (thingId ascending, nothing else) of an equality: a range of the field index. */
function fieldIndexPage(dialect: SearchDialect, spec: PageSpec): SearchQuery | undefined {
  const [only, ...rest] = spec.sort;
  if (only === undefined || rest.length > 0 || only.direction !== 'asc') return undefined;
  if (only.source.kind !== 'column' || only.source.column !== 'id') return undefined;
  const b = new SqlBuilder(dialect);
  const rows = fieldIndexRows(b, spec);
  if (rows === undefined || !rows.ordered) return undefined;
  let from = '';
  if (spec.after !== undefined) {
    const position = spec.after[0];
    if (typeof position !== 'string') return undefined;
    from = ` AND f.id > ${b.param(position, 'text')}`;
  }
  const limit = b.dialect.limit(b, spec.limit);
  // A join on the ordered range (a co-routine), not `t.tid IN (...)`: no temporary b-trees, which
  // cost more than the whole lookup for a page of one or a few Things.
  const page = `SELECT f.tid AS tid, f.id AS id FROM thing_fields f WHERE ${rows.where}${from} ORDER BY f.id LIMIT ${limit}`;
  const sql = `SELECT ${THING_COLUMNS} FROM (${page}) x JOIN things t ON t.tid = x.tid ORDER BY x.id ASC`;
  return { sql, params: b.params };
}

/** What the caller's subjects do across all policies, from the partial reader rows. */
export interface ReaderProbe {
  /** Some Thing is only partly visible to the caller (the partial stream has candidates). */
  readonly partial: boolean;
  /** Some subject of the caller revokes READ somewhere. */
  readonly revokes: boolean;
  /**
   * The reader sets the caller reads in full (in the requested namespaces), where the store keeps
   * reader sets and there are at most MAX_READER_SETS of them; otherwise undefined.
   */
  readonly sets?: readonly number[];
}

/** More fully readable reader sets than this and visibility is decided by reader rows again. */
export const MAX_READER_SETS = 256;

/**
 * Two index probes into `policy_readers_partial` (subject, revokes) WHERE access = 1 OR revokes = 1:
 * columns `partial` and `revokes`, true/1 when such rows exist. Costs a few index seeks however many
 * Things the caller reads. With reader sets, column `sets` lists the sets in which one of the
 * caller's subjects reads everything and none revokes anything (sets never change, see
 * createReaderSets), in the same statement, so on the same snapshot.
 */
export function readerProbeQuery(
  dialect: SearchDialect,
  subjects: readonly string[],
  namespaces?: readonly string[],
): SearchQuery {
  const b = new SqlBuilder(dialect);
  const rows = (extra: string) =>
    `SELECT 1 FROM policy_readers r WHERE r.subject IN (${b.list(subjects, 'text')}) AND ${PARTIAL_ROW}${extra}`;
  let sql = `SELECT EXISTS (${rows('')}) AS partial, EXISTS (${rows(' AND r.revokes = 1')}) AS revokes`;
  if (dialect.readerSets) {
    const scope =
      namespaces === undefined
        ? ''
        : namespaces.length === 0
          ? ` AND ${dialect.false}`
          : ` AND s.rs IN (SELECT n.rs FROM reader_sets n WHERE n.namespace IN (${b.list(namespaces, 'text')}))`;
    const sets = `SELECT s.rs FROM reader_set_subjects s WHERE s.subject IN (${b.list(subjects, 'text')})${scope} GROUP BY s.rs HAVING max(s.access = 2) = 1 AND max(s.revokes) = 0 LIMIT ${MAX_READER_SETS + 1}`;
    sql += `, (SELECT count(*) || ':' || coalesce(group_concat(v.rs), '') FROM (${sets}) v) AS sets`;
  }
  return { sql, params: b.params };
}

export function readerProbeOf(row: Readonly<Record<string, unknown>> | undefined): ReaderProbe {
  const yes = (v: unknown) => v === true || v === 1 || v === '1' || v === 't';
  const probe = { partial: yes(row?.partial), revokes: yes(row?.revokes) };
  const listed = row?.sets;
  if (typeof listed !== 'string') return probe;
  const [count, list = ''] = listed.split(':');
  const n = Number(count);
  if (!(n <= MAX_READER_SETS)) return probe;
  const sets = list === '' ? [] : list.split(',').map(Number);
  return sets.length === n && sets.every(Number.isSafeInteger) ? { ...probe, sets } : probe;
}

/** The (policy, namespace) pairs of these policies that have reader rows. */
export function readerPairsQuery(dialect: SearchDialect, policyIds: readonly string[]): SearchQuery {
  const b = new SqlBuilder(dialect);
  if (policyIds.length === 0)
    return { sql: 'SELECT NULL AS policy_id, NULL AS namespace WHERE 1 = 0', params: [] };
  const sql = `SELECT DISTINCT r.policy_id, r.namespace FROM policy_readers r WHERE r.policy_id IN (${b.list(policyIds, 'text')})`;
  return { sql, params: b.params };
}
