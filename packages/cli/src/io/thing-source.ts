/**
 * @module Where exported or listed things come from. Today: explicit ids, fetched in batches with
 * `GET /api/2/things?ids=…` (bounded concurrency, input order kept). When the server offers search,
 * a search source (cursor paging) implements the same interface and `export` takes it unchanged.
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
