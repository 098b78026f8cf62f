/**
 * Change notifications over /ws/2: START-/STOP-SEND-EVENTS with namespaces, RQL filters and
 * extraFields; no echo to the session that caused a change; each subscriber sees only what it may
 * READ (partial views for a reader with a revoked path); a policy change affects open streams at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';
import { WsTestClient, type Frame } from './support/ws-client.js';

let s: TestServer;

beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const isEventFor = (thingId: string, path?: string) => (f: Frame) =>
  typeof f === 'object' &&
  f.topic === `${thingId.replace(':', '/')}/things/twin/events/${String(f.topic).split('/').pop()}` &&
  /\/events\//.test(String(f.topic)) &&
  (path === undefined || f.path === path);

async function put(path: string, json: unknown, auth = 'ditto:ditto'): Promise<number> {
  const res = await s.request(path, { method: 'PUT', json, auth });
  await res.text();
  return res.status;
}

describe('events over the WebSocket', () => {
  it('delivers events of HTTP changes with topic, path, value, revision and timestamp', async () => {
    const ws = await WsTestClient.connect(s.url);
    await ws.control('START-SEND-EVENTS');
    expect(await put('/api/2/things/ev.a:t1', { attributes: { n: 1 } })).toBe(201);
    const created = await ws.next(isEventFor('ev.a:t1', '/'));
    expect(created).toMatchObject({
      topic: 'ev.a/t1/things/twin/events/created',
      path: '/',
      value: { thingId: 'ev.a:t1', attributes: { n: 1 } },
      revision: 1,
      timestamp: expect.stringMatching(/^\d{4}-/),
    });
    expect(await put('/api/2/things/ev.a:t1/attributes/n', 2)).toBe(204);
    expect(await ws.next(isEventFor('ev.a:t1', '/attributes/n'))).toMatchObject({
      topic: 'ev.a/t1/things/twin/events/modified',
      value: 2,
      revision: 2,
    });
    const patch = await s.request('/api/2/things/ev.a:t1', {
      method: 'PATCH',
      json: { attributes: { m: 'x', n: null } },
    });
    expect(patch.status).toBe(204);
    expect(await ws.next(isEventFor('ev.a:t1', '/'))).toMatchObject({
      topic: 'ev.a/t1/things/twin/events/merged',
      value: { attributes: { m: 'x', n: null } },
      headers: { 'content-type': 'application/merge-patch+json' },
      revision: 3,
    });
    expect((await s.request('/api/2/things/ev.a:t1', { method: 'DELETE' })).status).toBe(204);
    const deleted = await ws.next(isEventFor('ev.a:t1', '/'));
    expect(deleted).toMatchObject({ topic: 'ev.a/t1/things/twin/events/deleted', revision: 4 });
    expect(deleted).not.toHaveProperty('value');
    await ws.control('STOP-SEND-EVENTS');
    await put('/api/2/things/ev.a:t1', {});
    expect(await ws.collect(isEventFor('ev.a:t1'), 200)).toEqual([]);
    await ws.close();
  });

  it('does not echo a change to the session that made it, but others see it with its correlation-id', async () => {
    const a = await WsTestClient.connect(s.url);
    const b = await WsTestClient.connect(s.url);
    await a.control('START-SEND-EVENTS');
    await b.control('START-SEND-EVENTS');
    const res = await a.request({
      topic: 'ev.echo/t/things/twin/commands/modify',
      path: '/',
      value: { attributes: { by: 'a' } },
      headers: { 'correlation-id': 'echo-cid-1' },
    });
    expect(res.status).toBe(201);
    expect(await b.next(isEventFor('ev.echo:t', '/'))).toMatchObject({
      headers: { 'correlation-id': 'echo-cid-1', 'ditto-originator': 'nginx:ditto' },
    });
    expect(await a.collect(isEventFor('ev.echo:t'), 200)).toEqual([]);
    await a.close();
    await b.close();
  });

  it('scopes by namespaces and filters with RQL on the changed data, placeholders and extraFields', async () => {
    const ns = await WsTestClient.connect(s.url);
    const flt = await WsTestClient.connect(s.url);
    const lifecycle = await WsTestClient.connect(s.url);
    const enriched = await WsTestClient.connect(s.url);
    await ns.control('START-SEND-EVENTS?namespaces=ev.one,ev.three');
    await flt.control(`START-SEND-EVENTS?filter=${encodeURIComponent('gt(attributes/counter,42)')}`);
    await lifecycle.control(
      `START-SEND-EVENTS?filter=${encodeURIComponent("and(in(topic:action,'created','deleted'),eq(resource:path,'/'))")}`,
    );
    await enriched.control(
      `START-SEND-EVENTS?extraFields=${encodeURIComponent('attributes/location')}&filter=${encodeURIComponent('eq(attributes/location,"kitchen")')}`,
    );
    await put('/api/2/things/ev.one:a', { attributes: { counter: 50, location: 'kitchen' } });
    await put('/api/2/things/ev.two:b', { attributes: { counter: 1, location: 'hall' } });
    await put('/api/2/things/ev.two:b/attributes/counter', 43);
    await put('/api/2/things/ev.one:a/attributes/counter', 10);
    await put('/api/2/things/ev.one:a/features/f', { properties: { x: 1 } });

    expect((await ns.next(isEventFor('ev.one:a', '/'))).topic).toMatch(/created$/);
    expect(await ns.collect(isEventFor('ev.two:b'), 150)).toEqual([]);

    // Filters see the changed data: counter 50 on creation, 43 on b; not 10, and not the feature change.
    expect(await flt.next(isEventFor('ev.one:a', '/'))).toMatchObject({ revision: 1 });
    expect(await flt.next(isEventFor('ev.two:b', '/attributes/counter'))).toMatchObject({ value: 43 });
    expect(await flt.collect(isEventFor('ev.one:a', '/attributes/counter'), 100)).toEqual([]);
    expect(await flt.collect(isEventFor('ev.one:a', '/features/f'), 50)).toEqual([]);

    expect(await lifecycle.next(isEventFor('ev.one:a', '/'))).toMatchObject({
      topic: 'ev.one/a/things/twin/events/created',
    });
    expect(await lifecycle.collect(isEventFor('ev.two:b', '/attributes/counter'), 50)).toEqual([]);

    // With extraFields the filter also sees unchanged data, and the event carries it in `extra`.
    const feature = await enriched.next(isEventFor('ev.one:a', '/features/f'));
    expect(feature).toMatchObject({
      value: { properties: { x: 1 } },
      extra: { attributes: { location: 'kitchen' } },
    });
    expect(await enriched.collect(isEventFor('ev.two:b'), 50)).toEqual([]);
    for (const c of [ns, flt, lifecycle, enriched]) await c.close();
  });

  it('sends a reader with a revoked path only what it may read, and nothing for the revoked path', async () => {
    const policy = {
      entries: {
        OWNER: {
          subjects: { 'nginx:ditto': { type: 'owner' } },
          resources: {
            'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
            'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
          },
        },
        READER: {
          subjects: { 'nginx:bob': { type: 'reader' } },
          resources: {
            'thing:/': { grant: ['READ'], revoke: [] },
            'thing:/attributes/secret': { grant: [], revoke: ['READ'] },
          },
        },
      },
    };
    expect(await put('/api/2/policies/ev.partial:p', policy)).toBe(201);
    const bob = await WsTestClient.connect(s.url, { auth: 'bob:bob-pw' });
    const alice = await WsTestClient.connect(s.url, { auth: 'alice:alice-pw' });
    await bob.control('START-SEND-EVENTS');
    await alice.control('START-SEND-EVENTS');
    await put('/api/2/things/ev.partial:t', {
      policyId: 'ev.partial:p',
      attributes: { public: 1, secret: 'pin-1234' },
    });
    const created = await bob.next(isEventFor('ev.partial:t', '/'));
    expect(created.value).toEqual({
      thingId: 'ev.partial:t',
      policyId: 'ev.partial:p',
      attributes: { public: 1 },
    });
    await put('/api/2/things/ev.partial:t/attributes/secret', 'pin-9999');
    await put('/api/2/things/ev.partial:t/attributes', { public: 2, secret: 'pin-0000' });
    expect(await bob.next(isEventFor('ev.partial:t', '/attributes'))).toMatchObject({ value: { public: 2 } });
    const all = JSON.stringify(bob.frames);
    expect(all).not.toContain('pin-');
    expect(await bob.collect(isEventFor('ev.partial:t', '/attributes/secret'), 100)).toEqual([]);
    // alice is in no entry: she sees nothing at all.
    expect(await alice.collect(isEventFor('ev.partial:t'), 50)).toEqual([]);
    await bob.close();
    await alice.close();
  });

  it('applies a policy change to an open stream at once', async () => {
    expect(await put('/api/2/things/ev.live:t', { attributes: { v: 0 } })).toBe(201);
    const bob = await WsTestClient.connect(s.url, { auth: 'bob:bob-pw' });
    await bob.control('START-SEND-EVENTS');
    await put('/api/2/things/ev.live:t/attributes/v', 1);
    expect(await bob.collect(isEventFor('ev.live:t'), 100)).toEqual([]);
    expect(
      await put('/api/2/policies/ev.live:t/entries/BOB', {
        subjects: { 'nginx:bob': { type: 't' } },
        resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
      }),
    ).toBe(201);
    await put('/api/2/things/ev.live:t/attributes/v', 2);
    expect(await bob.next(isEventFor('ev.live:t', '/attributes/v'))).toMatchObject({ value: 2 });
    expect((await s.request('/api/2/policies/ev.live:t/entries/BOB', { method: 'DELETE' })).status).toBe(204);
    await put('/api/2/things/ev.live:t/attributes/v', 3);
    expect(await bob.collect(isEventFor('ev.live:t', '/attributes/v'), 150)).toEqual([]);
    await bob.close();
  });
});

describe('commit → delivery metric', () => {
  const METRIC = 'egiz_realtime_commit_to_delivery_seconds';
  async function histogram(stage: string): Promise<{ count: number; sum: number; buckets: number }> {
    const text = await (await s.request('/metrics', { auth: false })).text();
    const value = (suffix: string) =>
      Number(new RegExp(`^${METRIC}_${suffix}\\{stage="${stage}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    const buckets = text
      .split('\n')
      .filter((l) => l.startsWith(`${METRIC}_bucket{`) && l.includes(`stage="${stage}"`));
    return { count: value('count'), sum: value('sum'), buckets: buckets.length };
  }

  it('/metrics observes every delivered event once per stage, from its commit', async () => {
    const before = {
      first: await histogram('first'),
      last: await histogram('last'),
      written: await histogram('written'),
    };
    // Exported before any event, with fine buckets (0.1 ms … 1 s and +Inf).
    expect(before.written.buckets).toBe(31);
    const ws = await WsTestClient.connect(s.url);
    await ws.control('START-SEND-EVENTS?namespaces=ev.metric');
    expect(await put('/api/2/things/ev.metric:t', { attributes: { n: 1 } })).toBe(201);
    await ws.next(isEventFor('ev.metric:t', '/'));
    expect(await put('/api/2/things/ev.metric:t/attributes/n', 2)).toBe(204);
    await ws.next(isEventFor('ev.metric:t', '/attributes/n'));
    // A change nobody subscribed to is delivered to no one and observed nowhere.
    expect(await put('/api/2/things/ev.unwatched:t', {})).toBe(201);
    await new Promise((r) => setTimeout(r, 50));
    for (const stage of ['first', 'last', 'written'] as const) {
      const after = await histogram(stage);
      expect(after.count - before[stage].count, stage).toBe(2);
      expect(after.sum - before[stage].sum, stage).toBeGreaterThan(0);
      expect(after.sum - before[stage].sum, stage).toBeLessThan(10);
    }
    await ws.close();
  });
});
