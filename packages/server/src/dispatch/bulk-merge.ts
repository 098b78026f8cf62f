/**
 * @module Merge by filter (an Egiz extension, not part of Ditto's API): one JSON merge patch applied
 * to every Thing a search finds, each as an ordinary merge command of the caller through the
 * ThingService, so enforcement, events, the journal and the search index apply as for a PATCH.
 * Things the caller may read but not change are skipped (403), other failures are listed. Bounded:
 * one call handles one page of matches (`size`, default 100, at most 200) in thingId order and
 * answers a `cursor` for the next page, which the caller sends back with the same filter.
 */
import { DittoError, isJsonObject, type JsonObject, type JsonValue } from '@egiz/core';
import { parseSearchRequest, type SearchParams } from '../search/search-request.js';
import type { SearchService } from '../search/search-service.js';
import type { AuthContext } from './auth-context.js';
import type { ThingService } from './thing-service.js';

export const DEFAULT_MERGE_PAGE = 100;

export interface BulkMergeResult {
  readonly matched: number;
  readonly modified: number;
  readonly skipped: number;
  readonly failed: JsonObject[];
  readonly cursor?: string;
}

export async function mergeByFilter(
  deps: { readonly search: SearchService; readonly things: ThingService },
  params: SearchParams,
  patch: JsonValue | undefined,
  auth: AuthContext,
  headers: Readonly<Record<string, string>>,
): Promise<BulkMergeResult> {
  if (params.filter === undefined || params.filter.trim() === '')
    throw new DittoError(
      'thing-search:search.option.invalid',
      "A merge by filter needs a 'filter'; to change every Thing, say so, e.g. filter=exists(thingId).",
    );
  if (!isJsonObject(patch))
    throw new DittoError('json.invalid', 'The merge patch of a merge by filter must be a JSON object.');
  const options = (params.option ?? '').trim();
  const request = parseSearchRequest({ ...params, fields: 'thingId', option: options });
  if (request.sort !== undefined || request.limit !== undefined)
    throw new DittoError(
      'thing-search:search.option.invalid',
      "A merge by filter takes the options 'size' and 'cursor' only; it goes in thingId order.",
    );
  const size = request.size ?? DEFAULT_MERGE_PAGE;
  const withSize =
    request.size === undefined ? [options, `size(${size})`].filter((o) => o !== '').join(',') : options;
  const page = await deps.search.search({ ...params, fields: 'thingId', option: withSize }, auth);
  const ids = page.items.map((item) => item.thingId as string);
  const outcomes = await Promise.all(
    ids.map(async (thingId): Promise<'modified' | 'skipped' | JsonObject> => {
      try {
        await deps.things.execute(
          { type: 'merge', thingId, resource: { kind: 'thing', pointer: [] }, value: patch, options: {} },
          auth,
          { headers },
        );
        return 'modified';
      } catch (e) {
        if (!(e instanceof DittoError)) throw e;
        // Read but not changeable (or gone between search and merge): not the caller's mistake.
        if (e.status === 403) return 'skipped';
        return { thingId, ...e.toJSON() };
      }
    }),
  );
  return {
    matched: ids.length,
    modified: outcomes.filter((o) => o === 'modified').length,
    skipped: outcomes.filter((o) => o === 'skipped').length,
    failed: outcomes.filter((o): o is JsonObject => typeof o === 'object'),
    ...(page.cursor !== undefined ? { cursor: page.cursor } : {}),
  };
}
