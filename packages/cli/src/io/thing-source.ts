/**
 * @module Where exported, listed or searched things come from: explicit ids, fetched in batches with
 * `GET /api/2/things?ids=…` (bounded concurrency, input order kept), or a search, read page by page
 * with `GET /api/2/search/things` and its cursor until the last page or a limit.
 */
import { isJsonObject, type JsonObject } from '@egiz/core';
import type { EgizClient } from '../http/client.js';
import { mapOrdered } from '../util/pool.js';

export interface ThingSource {
  /** The things, in order. */
  things(): AsyncIterable<JsonObject>;
  /** Requested ids that were not returned (do not exist or may not be read); final after iteration. */
  missing(): readonly string[];
}

/** Ids per request: keeps the request line far below server limits (200 ids, 16 KiB headers). */
export const IDS_PER_REQUEST = 50;

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Adds thingId to a field selector so that missing things can be told apart. */
function withThingId(fields: string | undefined): string | undefined {
  if (fields === undefined) return undefined;
  return fields.split(',').some((f) => f.trim() === 'thingId') ? fields : `thingId,${fields}`;
}

export function thingsByIds(
  client: EgizClient,
  ids: readonly string[],
  opts: { fields?: string | undefined; concurrency: number },
): ThingSource {
  const unique = [...new Set(ids)];
  const missing: string[] = [];
  const fields = withThingId(opts.fields);
  return {
    missing: () => missing,
    async *things() {
      const pages = mapOrdered(batches(unique, IDS_PER_REQUEST), opts.concurrency, async (batch) => {
        const res = await client.request({
          method: 'GET',
          path: '/api/2/things',
          query: { ids: batch.join(','), fields },
        });
        return { batch, things: Array.isArray(res.body) ? res.body.filter(isJsonObject) : [] };
      });
      for await (const { batch, things } of pages) {
        const seen = new Set(things.map((t) => t.thingId));
        for (const id of batch) if (!seen.has(id)) missing.push(id);
        yield* things;
      }
    },
  };
}

export interface SearchQuery {
  readonly filter?: string | undefined;
  readonly namespaces?: string | undefined;
  /** Ditto sort entries, e.g. `+attributes/name,-_modified`. */
  readonly sort?: string | undefined;
  readonly fields?: string | undefined;
  /** Things per request (1..200). */
  readonly pageSize: number;
  /** Stop after this many things (default: all). */
  readonly limit?: number | undefined;
}

/** The most things one search request may ask for. */
export const MAX_PAGE_SIZE = 200;

/** Every page of a search, following the server's cursor; `pages` counts the requests made. */
export function thingsBySearch(client: EgizClient, query: SearchQuery): ThingSource & { pages(): number } {
  let pages = 0;
  return {
    missing: () => [],
    pages: () => pages,
    async *things() {
      let cursor: string | undefined;
      let left = query.limit ?? Infinity;
      do {
        const size = Math.min(query.pageSize, left, MAX_PAGE_SIZE);
        const option = [
          ...(query.sort ? [`sort(${query.sort})`] : []),
          `size(${size})`,
          ...(cursor !== undefined ? [`cursor(${cursor})`] : []),
        ].join(',');
        const res = await client.request({
          method: 'GET',
          path: '/api/2/search/things',
          query: { filter: query.filter, namespaces: query.namespaces, fields: query.fields, option },
        });
        pages++;
        const body = isJsonObject(res.body) ? res.body : {};
        const items = Array.isArray(body.items) ? body.items.filter(isJsonObject) : [];
        for (const item of items.slice(0, left)) yield item;
        left -= Math.min(items.length, left);
        cursor = typeof body.cursor === 'string' && items.length > 0 ? body.cursor : undefined;
      } while (cursor !== undefined && left > 0);
    },
  };
}
