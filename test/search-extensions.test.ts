/**
 * End-to-end: the Egiz search extensions against a real Egiz on SQLite and on PostgreSQL —
 * POST /api/2/search/things/merge (one merge patch for every matching Thing the caller may change,
 * through the normal write path, paged with a cursor) and GET /api/2/search/things/aggregate
 * (counts per value and min/max/avg/sum), both on what the caller may read.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, dropSchema } from '../packages/server/src/search/search-stores.testkit.js';
import { startServer, type TestServer } from './support/egiz-server.js';
import { SseTestClient } from './support/sse-client.js';

const NS = 'org.egiz.bulk';
const id = (i: number) => `${NS}:b${i}`;
const ALICE = 'alice:alice-pw';

function policy(alice: string[]) {
  return {
    entries: {
      owner: {
        subjects: { 'nginx:ditto': { type: 'basic' } },
        resources: {
          'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
          'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
        },
      },
      alice: {
        subjects: { 'nginx:alice': { type: 'basic' } },
        resources: { 'thing:/': { grant: alice, revoke: [] } },
      },
    },
  };
}

describe.each(['sqlite', 'postgres'] as const)('search extensions on %s', (store) => {
  let s: TestServer;
  const schema = `egiz_bulk_${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    s = await startServer(store === 'postgres' ? { EGIZ_STORE: `${PG_URL}?schema=${schema}` } : {});
    for (const [pid, grant] of [
      [`${NS}:rw`, ['READ', 'WRITE']],
      [`${NS}:ro`, ['READ']],
    ] as const) {
      const r = await s.request(`/api/2/policies/${pid}`, { method: 'PUT', json: policy([...grant]) });
      expect(r.status).toBe(201);
    }
    // b0..b5 alice may change, b6..b8 only read, b9..b11 not even see.
    for (let i = 0; i < 12; i++) {
      const policyId = i < 6 ? `${NS}:rw` : i < 9 ? `${NS}:ro` : undefined;
      const r = await s.request(`/api/2/things/${id(i)}`, {
        method: 'PUT',
        json: {
          ...(policyId ? { policyId } : {}),
          attributes: { n: i, group: ['a', 'b', 'c'][i % 3], ...(i === 4 ? { note: 'x' } : {}) },
        },
      });
      expect(r.status).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    await s.close();
    if (store === 'postgres') await dropSchema(schema);
  });

  const merge = (query: string, body: unknown, auth = ALICE, contentType = 'application/merge-patch+json') =>
    s.request(`/api/2/search/things/merge?${query}`, {
      method: 'POST',
      auth,
      headers: { 'content-type': contentType },
      body: JSON.stringify(body),
    });

  describe('merge by filter', () => {
    it('merges into what the caller may change, skips what it may only read, pages with a cursor', async () => {
      // A change stream sees the merges as ordinary events.
      const events = await SseTestClient.open(
        `${s.url}/api/2/things?namespaces=${NS}&fields=thingId,attributes/tag`,
      );
      const filter = encodeURIComponent('ge(attributes/n,2)');
      const first = await merge(`filter=${filter}&option=size(4)`, {
        attributes: { tag: 'bulk', note: null },
      });
      expect(first.status).toBe(200);
      const a = (await first.json()) as Record<string, unknown>;
      expect(a).toMatchObject({ matched: 4, modified: 4, skipped: 0, failed: [] });
      expect(typeof a.cursor).toBe('string');
      const second = await merge(`filter=${filter}&option=size(4),cursor(${a.cursor as string})`, {
        attributes: { tag: 'bulk', note: null },
      });
      const b = (await second.json()) as Record<string, unknown>;
      // b6, b7, b8 are read-only for alice; b9.. are invisible and never matched.
      expect(b).toStrictEqual({ matched: 3, modified: 0, skipped: 3, failed: [] });

      const four = (await (await s.request(`/api/2/things/${id(4)}/attributes`)).json()) as Record<
        string,
        unknown
      >;
      expect(four).toStrictEqual({ n: 4, group: 'b', tag: 'bulk' });
      const six = (await (await s.request(`/api/2/things/${id(6)}/attributes`)).json()) as Record<
        string,
        unknown
      >;
      expect(six.tag).toBeUndefined();
      // The search index follows in the same transaction.
      const count = await s.request(
        `/api/2/search/things/count?filter=${encodeURIComponent('eq(attributes/tag,"bulk")')}`,
      );
      expect(await count.json()).toBe(4);
      const seen = await events.json((v: { thingId?: string }) => v.thingId === id(5));
      expect(seen).toStrictEqual({ thingId: id(5), attributes: { tag: 'bulk' } });
      events.close();
    });

    it('refuses requests it cannot run with Ditto-style errors', async () => {
      const none = await merge('', { attributes: { x: 1 } });
      expect(none.status).toBe(400);
      expect(((await none.json()) as { error: string }).error).toBe('thing-search:search.option.invalid');
      const notObject = await merge('filter=exists(thingId)', [1, 2]);
      expect(notObject.status).toBe(400);
      expect(((await notObject.json()) as { error: string }).error).toBe('json.invalid');
      const wrongType = await merge('filter=exists(thingId)', { a: 1 }, ALICE, 'application/json');
      expect(wrongType.status).toBe(415);
      const sorted = await merge(`filter=exists(thingId)&option=${encodeURIComponent('sort(-thingId)')}`, {
        a: 1,
      });
      expect(sorted.status).toBe(400);
      const big = await merge('filter=exists(thingId)&option=size(500)', { a: 1 });
      expect(big.status).toBe(400);
      const badFilter = await merge('filter=eq(', { a: 1 });
      expect(badFilter.status).toBe(400);
      expect(((await badFilter.json()) as { error: string }).error).toBe('rql.expression.invalid');
      const invalidPatch = await merge('filter=exists(thingId)', { attributes: 'no object' });
      expect(invalidPatch.status).toBe(200);
      const r = (await invalidPatch.json()) as {
        failed: { thingId: string; status: number }[];
        modified: number;
      };
      expect(r.modified).toBe(0);
      expect(r.failed.length).toBeGreaterThan(0);
      expect(r.failed.every((f) => f.status === 400 && f.thingId.startsWith(NS))).toBe(true);
    });
  });

  describe('aggregations', () => {
    const agg = async (query: string, auth = 'ditto:ditto') => {
      const r = await s.request(`/api/2/search/things/aggregate?namespaces=${NS}&${query}`, { auth });
      return {
        status: r.status,
        body: (await r.json()) as Record<string, unknown> & {
          error?: string;
          metric?: unknown;
          groups?: unknown;
        },
      };
    };

    it('counts per value and folds numbers, overall and per group', async () => {
      const { status, body } = await agg(
        `groupBy=attributes/group&metric=${encodeURIComponent('sum(attributes/n)')}`,
      );
      expect(status).toBe(200);
      expect(body).toStrictEqual({
        count: 12,
        metric: { path: 'attributes/n', sum: 66, of: 12 },
        groups: [
          { value: 'a', count: 4, metric: { sum: 0 + 3 + 6 + 9, of: 4 } },
          { value: 'b', count: 4, metric: { sum: 1 + 4 + 7 + 10, of: 4 } },
          { value: 'c', count: 4, metric: { sum: 2 + 5 + 8 + 11, of: 4 } },
        ],
      });
      const avg = await agg(`filter=${encodeURIComponent('lt(attributes/n,4)')}&metric=avg(attributes/n)`);
      expect(avg.body).toStrictEqual({ count: 4, metric: { path: 'attributes/n', avg: 1.5, of: 4 } });
      const minMax = await agg('metric=max(attributes/n)');
      expect(minMax.body.metric).toStrictEqual({ path: 'attributes/n', max: 11, of: 12 });
      const none = await agg(`filter=${encodeURIComponent('gt(attributes/n,100)')}&metric=min(attributes/n)`);
      expect(none.body).toStrictEqual({ count: 0, metric: { path: 'attributes/n', min: null, of: 0 } });
    });

    it('aggregates only what the caller may read, with absent values grouped as null', async () => {
      const { body } = await agg('groupBy=attributes/tag', ALICE);
      expect(body.count).toBe(9);
      expect(body.groups).toStrictEqual([
        { value: null, count: 5 },
        { value: 'bulk', count: 4 },
      ]);
    });

    it('refuses invalid aggregations', async () => {
      for (const q of [
        '',
        'metric=median(attributes/n)',
        'groupBy=features/*/properties/x',
        'groupBy=',
        'metric=sum()',
        'groupBy=attributes/n&option=size(3)',
      ]) {
        const { status, body } = await agg(q);
        expect(status, q).toBe(400);
        expect(body.error, q).toBe('thing-search:aggregation.invalid');
      }
      const bad = await agg('groupBy=attributes/n&filter=eq(');
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('rql.expression.invalid');
    });
  });
});
