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

function fullyVisible(b: SqlBuilder, subjects: readonly string[]): string {
  return `EXISTS (${readers(b, subjects, 'r.access = 2')}) AND NOT EXISTS (${readers(b, subjects, 'r.revokes = 1')})`;
}

function where(b: SqlBuilder, spec: SelectionSpec): string[] {
  const parts = [b.dialect.notDeleted('t')];
  if (spec.namespaces !== undefined) {
    if (spec.namespaces.length === 0) parts.push(b.dialect.false);
    else parts.push(`t.namespace IN (${b.list(spec.namespaces, 'text')})`);
  }
  if (spec.visibility === 'full') parts.push(fullyVisible(b, spec.subjects));
  else {
    // Driven by the caller's reader rows (index on subject), not by a scan of all Things.
    parts.push(
      `t.tid IN (SELECT t2.tid FROM policy_readers r JOIN things t2 ON t2.policy_id = r.policy_id AND t2.namespace = r.namespace WHERE r.subject IN (${b.list(spec.subjects, 'text')}) AND r.access > 0)`,
      `NOT (${fullyVisible(b, spec.subjects)})`,
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
  const limit = b.param(spec.limit, 'int4');
  const sql = `SELECT ${THING_COLUMNS} FROM things t WHERE ${parts.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`;
  return { sql, params: b.params };
}

export function countQuery(dialect: SearchDialect, spec: SelectionSpec): SearchQuery {
  const b = new SqlBuilder(dialect);
  const sql = `SELECT count(*) AS n FROM things t WHERE ${where(b, spec).join(' AND ')}`;
  return { sql, params: b.params };
}

/** Whether the caller holds any subject that makes some Thing only partially visible. */
export function partialProbeQuery(dialect: SearchDialect, subjects: readonly string[]): SearchQuery {
  const b = new SqlBuilder(dialect);
  const sql = `SELECT 1 AS found FROM policy_readers r WHERE r.subject IN (${b.list(subjects, 'text')}) AND (r.access = 1 OR r.revokes = 1) LIMIT 1`;
  return { sql, params: b.params };
}

/** The (policy, namespace) pairs of these policies that have reader rows. */
export function readerPairsQuery(dialect: SearchDialect, policyIds: readonly string[]): SearchQuery {
  const b = new SqlBuilder(dialect);
  if (policyIds.length === 0)
    return { sql: 'SELECT NULL AS policy_id, NULL AS namespace WHERE 1 = 0', params: [] };
  const sql = `SELECT DISTINCT r.policy_id, r.namespace FROM policy_readers r WHERE r.policy_id IN (${b.list(policyIds, 'text')})`;
  return { sql, params: b.params };
}
