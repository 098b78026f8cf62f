/**
 * Server-Sent Events: change notifications on /api/2/things (ids, fields with _context, filter,
 * namespaces, extraFields), one Thing and its sub-paths, history replay by revision and time,
 * resuming after Last-Event-ID, partial views, and the JSON routes of the same URLs untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';
import { SseTestClient } from './support/sse-client.js';

let s: TestServer;

beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

async function put(path: string, json: unknown): Promise<void> {
  const res = await s.request(path, { method: 'PUT', json });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

const settle = () => new Promise((r) => setTimeout(r, 100));

describe('SSE on /api/2/things', () => {
  it('streams partial Things of every change the caller may read', async () => {
    const sse = await SseTestClient.open(`${s.url}/api/2/things`);
    expect(sse.response.status).toBe(200);
    expect(sse.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await settle();
    await put('/api/2/things/sse.a:one', { attributes: { location: 'kitchen', counter: 1 } });
    expect(await sse.json((v) => v.thingId === 'sse.a:one')).toEqual({
      thingId: 'sse.a:one',
      policyId: 'sse.a:one',
      attributes: { location: 'kitchen', counter: 1 },
    });
    await put('/api/2/things/sse.a:one/attributes/counter', 2);
    expect(await sse.json((v) => v.thingId === 'sse.a:one')).toEqual({
      thingId: 'sse.a:one',
      attributes: { counter: 2 },
    });
    sse.close();
    // The JSON route of the same URL still answers JSON.
    const plain = await s.request('/api/2/things?ids=sse.a:one');
    expect(plain.headers.get('content-type')).toMatch(/json/);
  });

  it('applies ids, namespaces, filter, fields (with _context) and extraFields', async () => {
    await put('/api/2/things/sse.b:x', { attributes: { location: 'hall', counter: 0 } });
    await put('/api/2/things/sse.c:y', { attributes: { location: 'kitchen', counter: 0 } });
    const byIds = await SseTestClient.open(`${s.url}/api/2/things?ids=sse.b:x`);
    const byNs = await SseTestClient.open(`${s.url}/api/2/things?namespaces=sse.c`);
    const filtered = await SseTestClient.open(
      `${s.url}/api/2/things?filter=${encodeURIComponent('gt(attributes/counter,5)')}&fields=thingId,attributes/counter`,
    );
    const enriched = await SseTestClient.open(
      `${s.url}/api/2/things?extraFields=attributes/location&filter=${encodeURIComponent('eq(attributes/location,"kitchen")')}&fields=thingId,attributes,_context/topic,_context/path`,
    );
    await settle();
    await put('/api/2/things/sse.b:x/attributes/counter', 10);
    await put('/api/2/things/sse.c:y/attributes/counter', 3);
    await put('/api/2/things/sse.c:y/attributes/counter', 7);
    expect(await byIds.json()).toEqual({ thingId: 'sse.b:x', attributes: { counter: 10 } });
    expect(await byNs.json()).toEqual({ thingId: 'sse.c:y', attributes: { counter: 3 } });
    expect(await filtered.json()).toEqual({ thingId: 'sse.b:x', attributes: { counter: 10 } });
    expect(await filtered.json()).toEqual({ thingId: 'sse.c:y', attributes: { counter: 7 } });
    expect(await enriched.json()).toEqual({
      thingId: 'sse.c:y',
      attributes: { counter: 3, location: 'kitchen' },
      _context: { topic: 'sse.c/y/things/twin/events/modified', path: '/attributes/counter' },
    });
    await settle();
    expect(byIds.events.map((e) => JSON.parse(e.data).thingId)).not.toContain('sse.c:y');
    expect(byNs.events.length).toBe(1);
    for (const c of [byIds, byNs, filtered, enriched]) c.close();
  });

  it('refuses bad parameters before streaming, with a Ditto error', async () => {
    const bad = await SseTestClient.open(
      `${s.url}/api/2/things?filter=${encodeURIComponent('eq(attributes/x')}`,
    );
    expect(bad.response.status).toBe(400);
    expect(await bad.response.json()).toMatchObject({ error: 'rql.expression.invalid' });
    const unauth = await SseTestClient.open(`${s.url}/api/2/things`, { auth: false });
    expect(unauth.response.status).toBe(401);
  });

  it('sends a partial reader only its view', async () => {
    await put('/api/2/policies/sse.p:pol', {
      entries: {
        OWNER: {
          subjects: { 'nginx:ditto': { type: 'o' } },
          resources: {
            'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
            'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
          },
        },
        BOB: {
          subjects: { 'nginx:bob': { type: 'r' } },
          resources: {
            'thing:/': { grant: ['READ'], revoke: [] },
            'thing:/attributes/secret': { grant: [], revoke: ['READ'] },
          },
        },
      },
    });
    const bob = await SseTestClient.open(`${s.url}/api/2/things`, { auth: 'bob:bob-pw' });
    await settle();
    await put('/api/2/things/sse.p:t', { policyId: 'sse.p:pol', attributes: { open: 1, secret: 's3cr3t' } });
    await put('/api/2/things/sse.p:t/attributes/secret', 's3cr3t-2');
    await put('/api/2/things/sse.p:t/attributes/open', 2);
    expect(await bob.json()).toEqual({ thingId: 'sse.p:t', policyId: 'sse.p:pol', attributes: { open: 1 } });
    expect(await bob.json()).toEqual({ thingId: 'sse.p:t', attributes: { open: 2 } });
    expect(JSON.stringify(bob.events)).not.toContain('s3cr3t');
    bob.close();
  });
});

describe('SSE on one Thing', () => {
  it('streams one Thing and the value at a path, with revisions as event ids', async () => {
    await put('/api/2/things/sse.one:t', {
      attributes: { location: 'hall' },
      features: { lamp: { properties: { on: false } } },
    });
    const whole = await SseTestClient.open(`${s.url}/api/2/things/sse.one:t`);
    const onPath = await SseTestClient.open(`${s.url}/api/2/things/sse.one:t/features/lamp/properties/on`);
    await settle();
    await put('/api/2/things/sse.one:t/attributes/location', 'attic');
    await put('/api/2/things/sse.one:t/features/lamp/properties/on', true);
    const e1 = await whole.next();
    expect(e1.id).toBe('2');
    expect(JSON.parse(e1.data)).toEqual({ thingId: 'sse.one:t', attributes: { location: 'attic' } });
    const onEvent = await onPath.next();
    expect(onEvent).toMatchObject({ id: '3', data: 'true' });
    await settle();
    expect(onPath.events).toEqual([]);
    whole.close();
    onPath.close();
    const missing = await SseTestClient.open(`${s.url}/api/2/things/sse.one:nope`);
    expect(missing.response.status).toBe(404);
  });

  it('replays history by revision and by time, then ends', async () => {
    await put('/api/2/things/sse.h:t', { attributes: { v: 0 } });
    for (let v = 1; v <= 5; v++) await put('/api/2/things/sse.h:t/attributes/v', v);
    const range = await SseTestClient.open(
      `${s.url}/api/2/things/sse.h:t?from-historical-revision=2&to-historical-revision=4&fields=attributes/v,_revision`,
    );
    await range.waitEnded();
    expect(range.events.map((e) => [e.id, JSON.parse(e.data)])).toEqual([
      ['2', { attributes: { v: 1 }, _revision: 2 }],
      ['3', { attributes: { v: 2 }, _revision: 3 }],
      ['4', { attributes: { v: 3 }, _revision: 4 }],
    ]);
    const lastTwo = await SseTestClient.open(
      `${s.url}/api/2/things/sse.h:t/attributes/v?from-historical-revision=-2`,
    );
    await lastTwo.waitEnded();
    expect(lastTwo.events.map((e) => e.data)).toEqual(['4', '5']);
    const filtered = await SseTestClient.open(
      `${s.url}/api/2/things/sse.h:t?from-historical-revision=0&filter=${encodeURIComponent('ge(attributes/v,4)')}`,
    );
    await filtered.waitEnded();
    expect(filtered.events.map((e) => e.id)).toEqual(['5', '6']);
    const history = await (
      await s.request('/api/2/things/sse.h:t', { headers: { 'at-historical-revision': '3' } })
    ).json();
    expect(history.attributes.v).toBe(2);
    const all = await SseTestClient.open(`${s.url}/api/2/things/sse.h:t?from-historical-revision=1`);
    await all.waitEnded();
    const stamps = all.events.map((e) => e.id);
    expect(stamps).toEqual(['1', '2', '3', '4', '5', '6']);
    const timeline = await SseTestClient.open(
      `${s.url}/api/2/things/sse.h:t?from-historical-timestamp=2000-01-01T00:00:00Z&to-historical-timestamp=2999-01-01T00:00:00Z`,
    );
    await timeline.waitEnded();
    expect(timeline.events.length).toBe(6);
    const none = await SseTestClient.open(
      `${s.url}/api/2/things/sse.h:t?from-historical-timestamp=2999-01-01T00:00:00Z`,
    );
    await none.waitEnded();
    expect(none.events).toEqual([]);
  });

  it('resumes after Last-Event-ID with the missed events, then continues live', async () => {
    await put('/api/2/things/sse.r:t', { attributes: { v: 0 } });
    for (let v = 1; v <= 3; v++) await put('/api/2/things/sse.r:t/attributes/v', v);
    const resumed = await SseTestClient.open(`${s.url}/api/2/things/sse.r:t/attributes/v`, {
      headers: { 'last-event-id': '2' },
    });
    expect((await resumed.next()).id).toBe('3');
    expect((await resumed.next()).id).toBe('4');
    await put('/api/2/things/sse.r:t/attributes/v', 4);
    expect(await resumed.next()).toMatchObject({ id: '5', data: '4' });
    resumed.close();
  });

  it('refuses strangers with 404 and bad history parameters with 400', async () => {
    await put('/api/2/things/sse.x:t', {});
    expect(
      (await SseTestClient.open(`${s.url}/api/2/things/sse.x:t`, { auth: 'bob:bob-pw' })).response.status,
    ).toBe(404);
    expect(
      (await SseTestClient.open(`${s.url}/api/2/things/sse.x:t?from-historical-revision=two`)).response
        .status,
    ).toBe(400);
    expect(
      (await SseTestClient.open(`${s.url}/api/2/things/sse.x:t?from-historical-timestamp=yesterday`)).response
        .status,
    ).toBe(400);
  });
});
