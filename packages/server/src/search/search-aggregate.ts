/**
 * @module Aggregations over search results (an Egiz extension, not part of Ditto's API):
 * `groupBy=<path>` counts the matching Things per value at a path, `metric=min|max|avg|sum(<path>)`
 * folds the numbers at a path, overall and per group. Same filter language, namespaces and policy
 * awareness as the search: values are read from each Thing as the caller sees it, so a path the
 * caller may not read counts as absent. Bounded: at most MAX_AGGREGATED Things and MAX_GROUPS groups.
 */
import { DittoError, getAt, type JsonObject, type JsonValue, type Pointer } from '@egiz/core';
import type { AuthContext } from '../dispatch/auth-context.js';
import { parseStreamRequest, type SearchParams } from './search-request.js';
import type { SearchService } from './search-service.js';

export const MAX_AGGREGATED = 100_000;
export const MAX_GROUPS = 1000;

type MetricFn = 'min' | 'max' | 'avg' | 'sum';

export interface AggregateParams extends SearchParams {
  readonly groupBy?: string | undefined;
  readonly metric?: string | undefined;
}

interface Fold {
  n: number;
  sum: number;
  min: number;
  max: number;
}

export interface AggregateResult {
  readonly count: number;
  readonly metric?: JsonObject;
  readonly groups?: JsonObject[];
  readonly truncated?: boolean;
}

function invalid(message: string): DittoError {
  return new DittoError('thing-search:aggregation.invalid', message);
}

function parsePath(text: string, what: string): Pointer {
  const trimmed = text.trim().replace(/^\//, '');
  const segments = trimmed.split('/');
  if (trimmed === '' || trimmed.length > 512 || segments.some((s) => s === '' || s === '*'))
    throw invalid(
      `The ${what} path '${text.slice(0, 100)}' is not valid: give a path like attributes/location/floor.`,
    );
  return segments;
}

function parseMetric(text: string): { fn: MetricFn; path: Pointer; text: string } {
  const m = /^\s*(min|max|avg|sum)\((.*)\)\s*$/.exec(text);
  if (!m) throw invalid(`The metric '${text.slice(0, 100)}' is not valid: use min|max|avg|sum(<path>).`);
  const fn = m[1] as MetricFn;
  const path = parsePath(m[2] ?? '', 'metric');
  return { fn, path, text: `${fn}(${path.join('/')})` };
}

const newFold = (): Fold => ({ n: 0, sum: 0, min: Infinity, max: -Infinity });

function add(fold: Fold, value: JsonValue | undefined): void {
  if (typeof value !== 'number') return;
  fold.n++;
  fold.sum += value;
  if (value < fold.min) fold.min = value;
  if (value > fold.max) fold.max = value;
}

function result(fold: Fold, fn: MetricFn): number | null {
  if (fold.n === 0) return fn === 'sum' ? 0 : null;
  switch (fn) {
    case 'min':
      return fold.min;
    case 'max':
      return fold.max;
    case 'sum':
      return fold.sum;
    case 'avg':
      return fold.sum / fold.n;
  }
}

export async function aggregate(
  search: SearchService,
  params: AggregateParams,
  auth: AuthContext,
): Promise<AggregateResult> {
  if (params.groupBy === undefined && params.metric === undefined)
    throw invalid("An aggregation needs 'groupBy=<path>' and/or 'metric=min|max|avg|sum(<path>)'.");
  const groupBy = params.groupBy === undefined ? undefined : parsePath(params.groupBy, 'groupBy');
  const metric = params.metric === undefined ? undefined : parseMetric(params.metric);
  if (params.fields !== undefined || params.option !== undefined)
    throw invalid("An aggregation takes 'filter' and 'namespaces' only (no 'fields' or 'option').");
  const paths = [groupBy, metric?.path].filter((p): p is Pointer => p !== undefined);
  const request = parseStreamRequest({
    filter: params.filter,
    condition: params.condition,
    namespaces: params.namespaces,
    fields: ['thingId', ...paths.map((p) => p.join('/'))].join(','),
  });
  const total = newFold();
  const groups = new Map<string, { value: JsonValue; count: number; fold: Fold }>();
  let count = 0;
  for await (const { item } of search.stream(request, auth)) {
    if (++count > MAX_AGGREGATED)
      throw invalid(
        `The filter matches more than ${MAX_AGGREGATED} Things; narrow it (e.g. with namespaces) to aggregate.`,
      );
    const value = metric ? getAt(item, metric.path) : undefined;
    add(total, value);
    if (groupBy) {
      // Absent and null fall into one group (value null).
      const key = getAt(item, groupBy) ?? null;
      const k = JSON.stringify(key);
      let group = groups.get(k);
      if (!group) {
        group = { value: key, count: 0, fold: newFold() };
        groups.set(k, group);
      }
      group.count++;
      add(group.fold, value);
    }
  }
  const metricJson = (fold: Fold): JsonObject | undefined =>
    metric ? { [metric.fn]: result(fold, metric.fn), of: fold.n } : undefined;
  const out: { count: number; metric?: JsonObject; groups?: JsonObject[]; truncated?: boolean } = { count };
  const overall = metricJson(total);
  if (overall) out.metric = { path: metric?.path.join('/') ?? '', ...overall };
  if (groupBy) {
    const sorted = [...groups.entries()].sort(
      ([ka, a], [kb, b]) => b.count - a.count || (ka < kb ? -1 : ka > kb ? 1 : 0),
    );
    out.groups = sorted.slice(0, MAX_GROUPS).map(([, g]) => {
      const m = metricJson(g.fold);
      return { value: g.value, count: g.count, ...(m ? { metric: m } : {}) };
    });
    if (sorted.length > MAX_GROUPS) out.truncated = true;
  }
  return out;
}
