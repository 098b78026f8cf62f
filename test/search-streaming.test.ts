/**
 * End-to-end: streaming search against a real Egiz on SQLite and on PostgreSQL — Server-Sent Events
 * on GET /api/2/search/things (one event per Thing, id = thingId, resumable with Last-Event-ID) and
 * the Ditto search protocol on /ws/2 (subscribe/request/cancel answered by
 * created/next/complete/failed, pages on demand, errors as `failed`), both policy-aware.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, dropSchema } from '../packages/server/src/search/search-stores.testkit.js';
import { startServer, type TestServer } from './support/egiz-server.js';
import { SseTestClient } from './support/sse-client.js';
import { WsTestClient } from './support/ws-client.js';

const NS = 'org.egiz.stream';
const N = 30;
const id = (i: number) => `${NS}:t${String(i).padStart(2, '0')}`;
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => id(from + k));

describe.each(['sqlite', 'postgres'] as const)('streaming search on %s', (store) => {
  let s: TestServer;
  const schema = `egiz_stream_${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    s = await startServer(store === 'postgres' ? { EGIZ_STORE: `${PG_URL}?schema=${schema}` } : {});
    for (let i = 0; i < N; i++) {
      const r = await s.request(`/api/2/things/${id(i)}`, {
        method: 'PUT',
        json: { attributes: { n: i, odd: i % 2 === 1 } },
      });
      expect(r.status).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    await s.close();
    if (store === 'postgres') await dropSchema(schema);
  });

  async function sse(query: string, opts: { auth?: string; headers?: Record<string, string> } = {}) {
    const client = await SseTestClient.open(`${s.url}/api/2/search/things?${query}`, opts);
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await client.waitEnded();
    return client.events;
  }

  describe('Server-Sent Events', () => {
    it('sends every matching Thing as one event with its thingId as id, in order, then ends', async () => {
      const events = await sse(
        `filter=${encodeURIComponent(`eq(attributes/odd,false)`)}&fields=thingId,attributes/n`,
      );
      const expected = ids(0, N).filter((_, i) => i % 2 === 0);
      expect(events.map((e) => e.id)).toStrictEqual(expected);
      expect(events.map((e) => JSON.parse(e.data))).toStrictEqual(
        expected.map((thingId, k) => ({ thingId, attributes: { n: 2 * k } })),
      );
    });

    it('resumes after Last-Event-ID in the requested order', async () => {
      const query = `option=${encodeURIComponent('sort(-attributes/n)')}&fields=thingId`;
      const all = await sse(query);
      expect(all.map((e) => e.id)).toStrictEqual(ids(0, N).reverse());
      const rest = await sse(query, { headers: { 'last-event-id': id(10) } });
      expect(rest.map((e) => e.id)).toStrictEqual(ids(0, 10).reverse());
    });

    it('sends nothing the caller may not read', async () => {
      expect(await sse('', { auth: 'alice:alice-pw' })).toStrictEqual([]);
    });

    it('answers mistakes with Ditto errors before the stream starts', async () => {
      const headers = { accept: 'text/event-stream' };
      const bad = await s.request(`/api/2/search/things?filter=eq(attributes/n`, { headers });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toBe('rql.expression.invalid');
      const cursor = await s.request(`/api/2/search/things?option=limit(0,5)`, { headers });
      expect(cursor.status).toBe(400);
      expect(((await cursor.json()) as { error: string }).error).toBe('thing-search:search.option.invalid');
      const unknown = await s.request(`/api/2/search/things`, {
        headers: { ...headers, 'last-event-id': `${NS}:missing` },
      });
      expect(unknown.status).toBe(400);
    });

    it('leaves the JSON search as it is', async () => {
      const r = await s.request(`/api/2/search/things?option=size(2)`);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { items: unknown[] }).items).toHaveLength(2);
    });
  });

  describe('search protocol over the WebSocket', () => {
    const topic = (action: string) => `_/_/things/twin/search/${action}`;
    const byAction = (action: string, subscriptionId?: string) => (f: unknown) =>
      typeof f === 'object' &&
      f !== null &&
      (f as { topic?: string }).topic === topic(action) &&
      (subscriptionId === undefined ||
        (f as { value?: { subscriptionId?: string } }).value?.subscriptionId === subscriptionId);

    async function subscribe(ws: WsTestClient, value: Record<string, unknown>, fields?: string) {
      const created = await ws.request({
        topic: topic('subscribe'),
        value,
        ...(fields !== undefined ? { fields } : {}),
      });
      expect(created.topic).toBe(topic('created'));
      const subscriptionId = created.value.subscriptionId as string;
      expect(typeof subscriptionId).toBe('string');
      return subscriptionId;
    }

    function request(ws: WsTestClient, subscriptionId: string, demand: unknown) {
      ws.send({ topic: topic('request'), headers: {}, path: '/', value: { subscriptionId, demand } });
    }

    it('pages on demand, then completes', async () => {
      const ws = await WsTestClient.connect(s.url);
      try {
        const sid = await subscribe(
          ws,
          { filter: 'ge(attributes/n,5)', options: 'size(10),sort(+thingId)', namespaces: [NS] },
          'thingId',
        );
        // Nothing before the first request.
        expect(await ws.collect(byAction('next', sid), 150)).toStrictEqual([]);
        request(ws, sid, 2);
        const first = await ws.next(byAction('next', sid));
        const second = await ws.next(byAction('next', sid));
        expect(first.value.items).toStrictEqual(ids(5, 15).map((thingId) => ({ thingId })));
        expect(second.value.items).toStrictEqual(ids(15, 25).map((thingId) => ({ thingId })));
        expect(await ws.collect(byAction('next', sid), 150)).toStrictEqual([]);
        request(ws, sid, 5);
        const third = await ws.next(byAction('next', sid));
        expect(third.value.items).toStrictEqual(ids(25, 30).map((thingId) => ({ thingId })));
        const complete = await ws.next(byAction('complete', sid));
        expect(complete.headers['correlation-id']).toBeTypeOf('string');
      } finally {
        ws.socket.close();
      }
    });

    it('completes an empty result only after the first request, and shows only readable Things', async () => {
      const ws = await WsTestClient.connect(s.url, { auth: 'alice:alice-pw' });
      try {
        const sid = await subscribe(ws, {});
        expect(await ws.collect(byAction('complete', sid), 150)).toStrictEqual([]);
        request(ws, sid, 1);
        await ws.next(byAction('complete', sid));
        expect(ws.frames.filter(byAction('next', sid))).toStrictEqual([]);
      } finally {
        ws.socket.close();
      }
    });

    it('fails a subscription with an invalid query on its first request', async () => {
      const ws = await WsTestClient.connect(s.url);
      try {
        const sid = await subscribe(ws, { filter: 'eq(attributes/n' });
        request(ws, sid, 1);
        const failed = await ws.next(byAction('failed', sid));
        expect(failed.value.error.error).toBe('rql.expression.invalid');
        expect(failed.value.error.status).toBe(400);
        const sid2 = await subscribe(ws, { options: 'cursor(abc)' });
        request(ws, sid2, 1);
        expect((await ws.next(byAction('failed', sid2))).value.error.error).toBe(
          'thing-search:search.option.invalid',
        );
      } finally {
        ws.socket.close();
      }
    });

    it('fails on a non-positive demand and on unknown subscriptions; cancel stops the pages', async () => {
      const ws = await WsTestClient.connect(s.url);
      try {
        const sid = await subscribe(ws, { options: 'size(1)' });
        request(ws, sid, 0);
        const failed = await ws.next(byAction('failed', sid));
        expect(failed.value.error.error).toBe('thing-search:subscription.protocol.error');
        request(ws, sid, 1);
        const gone = await ws.next(byAction('failed', sid));
        expect(gone.value.error.error).toBe('thing-search:subscription.not.found');
        expect(gone.value.error.status).toBe(404);

        const sid2 = await subscribe(ws, { options: 'size(1)' });
        request(ws, sid2, 1);
        expect((await ws.next(byAction('next', sid2))).value.items).toHaveLength(1);
        ws.send({ topic: topic('cancel'), headers: {}, path: '/', value: { subscriptionId: sid2 } });
        await new Promise((r) => setTimeout(r, 100));
        request(ws, sid2, 3);
        expect((await ws.next(byAction('failed', sid2))).value.error.error).toBe(
          'thing-search:subscription.not.found',
        );
        expect(ws.frames.filter(byAction('next', sid2))).toStrictEqual([]);
      } finally {
        ws.socket.close();
      }
    });
  });
});

describe('streaming search with a small outbox', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startServer({ EGIZ_REALTIME_QUEUE_FRAMES: '10' });
    const things = Array.from({ length: 60 }, (_, i) => i);
    for (const i of things) {
      // ~50 KB each: 60 pages are more than the socket buffers hold for a client that does not read.
      const r = await s.request(`/api/2/things/${id(i)}`, {
        method: 'PUT',
        json: { attributes: { n: i, blob: 'x'.repeat(50_000) } },
      });
      expect(r.status).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    await s.close();
  });

  it('paces a large demand to the outbox instead of overflowing it', async () => {
    const ws = await WsTestClient.connect(s.url);
    try {
      const created = await ws.request({
        topic: '_/_/things/twin/search/subscribe',
        value: { options: 'size(1)' },
      });
      const subscriptionId = created.value.subscriptionId as string;
      ws.send({
        topic: '_/_/things/twin/search/request',
        headers: {},
        path: '/',
        value: { subscriptionId, demand: 1000 },
      });
      await new Promise((r) => setTimeout(r, 500));
      ws.socket.resume();
      await ws.next((f) => typeof f === 'object' && f.topic === '_/_/things/twin/search/complete', 10_000);
      const pages = ws.frames.filter(
        (f) => typeof f === 'object' && f.topic === '_/_/things/twin/search/next',
      );
      expect(
        pages.map((f) => (f as { value: { items: { thingId: string }[] } }).value.items[0]?.thingId),
      ).toStrictEqual(Array.from({ length: 60 }, (_, i) => id(i)));
      expect(ws.closed).toBeUndefined();
    } finally {
      ws.socket.close();
    }
  });

  it('streams more Things than the outbox holds over SSE', async () => {
    const client = await SseTestClient.open(`${s.url}/api/2/search/things?fields=thingId`);
    await client.waitEnded();
    expect(client.events.map((e) => e.id)).toStrictEqual(Array.from({ length: 60 }, (_, i) => id(i)));
    expect(client.events.some((e) => e.event === 'error')).toBe(false);
  });
});
