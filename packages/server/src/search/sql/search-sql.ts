/**
 * @module Whole search queries: a page of Things (filter, namespaces, visibility, cursor position,
 * order, limit) and a count, assembled from the filter compiler, the sort keys and the dialect.
 *
 * Visibility comes from the reader rows (`policy_readers`) of each Thing's (policy, namespace):
 * - `full`: the caller holds a subject with unrestricted READ and none that revokes READ anywhere;
 *   these Things are filtered, ordered and counted entirely in SQL;
 * - `partial`: the caller may read something but not everything; these candidates are checked in
 *   memory on the caller's view (search-service.ts), so the SQL only narrows them down.
 */
import type { RqlNode } from '@egiz/core';
import type { SearchQuery } from '../../store/port.js';
import { compileFilter } from './filter-compiler.js';
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
  if (spec.visibility === 'full') parts.push(fullyVisible(b, spec.subjects, revokes));
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
  const b = new SqlBuilder(dialect);
  const parts = where(b, spec);
  if (spec.after !== undefined) parts.push(after(b, spec.sort, spec.after));
  const order = orderBy(b, spec.sort);
  const limit = b.dialect.limit(b, spec.limit);
  const sql = `SELECT ${THING_COLUMNS} FROM things t WHERE ${parts.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`;
  return { sql, params: b.params };
}

export function countQuery(dialect: SearchDialect, spec: SelectionSpec): SearchQuery {
  const b = new SqlBuilder(dialect);
  const sql = `SELECT count(*) AS n FROM things t WHERE ${where(b, spec).join(' AND ')}`;
  return { sql, params: b.params };
}

/** What the caller's subjects do across all policies, from the partial reader rows. */
export interface ReaderProbe {
  /** Some Thing is only partly visible to the caller (the partial stream has candidates). */
  readonly partial: boolean;
  /** Some subject of the caller revokes READ somewhere. */
  readonly revokes: boolean;
}

/**
 * Two index probes into `policy_readers_partial` (subject, revokes) WHERE access = 1 OR revokes = 1:
 * columns `partial` and `revokes`, true/1 when such rows exist. Costs a few index seeks however many
 * Things the caller reads.
 */
export function readerProbeQuery(dialect: SearchDialect, subjects: readonly string[]): SearchQuery {
  const b = new SqlBuilder(dialect);
  const rows = (extra: string) =>
    `SELECT 1 FROM policy_readers r WHERE r.subject IN (${b.list(subjects, 'text')}) AND ${PARTIAL_ROW}${extra}`;
  const sql = `SELECT EXISTS (${rows('')}) AS partial, EXISTS (${rows(' AND r.revokes = 1')}) AS revokes`;
  return { sql, params: b.params };
}

export function readerProbeOf(row: Readonly<Record<string, unknown>> | undefined): ReaderProbe {
  const yes = (v: unknown) => v === true || v === 1 || v === '1' || v === 't';
  return { partial: yes(row?.partial), revokes: yes(row?.revokes) };
}

/** The (policy, namespace) pairs of these policies that have reader rows. */
export function readerPairsQuery(dialect: SearchDialect, policyIds: readonly string[]): SearchQuery {
  const b = new SqlBuilder(dialect);
  if (policyIds.length === 0)
    return { sql: 'SELECT NULL AS policy_id, NULL AS namespace WHERE 1 = 0', params: [] };
  const sql = `SELECT DISTINCT r.policy_id, r.namespace FROM policy_readers r WHERE r.policy_id IN (${b.list(policyIds, 'text')})`;
  return { sql, params: b.params };
}
