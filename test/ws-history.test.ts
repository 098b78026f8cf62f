/**
 * History streaming over /ws/2 (subscribeForPersistedEvents -> created; request -> next items up to
 * the demand; complete; cancel; failed), with filters and the reader's view, for Things and Policies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';
import { WsTestClient, type Frame } from './support/ws-client.js';

let s: TestServer;
let ws: WsTestClient;
const T = 'hist.t/lamp/things/twin/streaming';

beforeAll(async () => {
  s = await startServer();
  await s.request('/api/2/things/hist.t:lamp', { method: 'PUT', json: { attributes: { v: 0 } } });
  for (let v = 1; v <= 6; v++)
    await s.request('/api/2/things/hist.t:lamp/attributes/v', { method: 'PUT', json: v });
  ws = await WsTestClient.connect(s.url);
});
afterAll(async () => {
  await ws.close();
  await s.close();
});

const streaming = (action: string) => (f: Frame) => typeof f === 'object' && f.topic === `${T}/${action}`;

async function subscribe(value: Record<string, unknown>): Promise<string> {
  const created = await ws.request({ topic: `${T}/subscribeForPersistedEvents`, path: '/', value });
  expect(created.topic).toBe(`${T}/created`);
  return created.value.subscriptionId as string;
}

describe('history over the WebSocket', () => {
  it('streams the requested range in demand-sized steps, then completes', async () => {
    const id = await subscribe({ fromHistoricalRevision: 2, toHistoricalRevision: 5 });
    expect(await ws.collect(streaming('next'), 100)).toEqual([]);
    ws.send({ topic: `${T}/request`, path: '/', headers: {}, value: { subscriptionId: id, demand: 2 } });
    const first = await ws.next(streaming('next'));
    const second = await ws.next(streaming('next'));
    expect([first.value.item.revision, second.value.item.revision]).toEqual([2, 3]);
    expect(first.value.item).toMatchObject({
      topic: 'hist.t/lamp/things/twin/events/modified',
      path: '/attributes/v',
      value: 1,
    });
    expect(await ws.collect(streaming('next'), 100)).toEqual([]);
    ws.send({ topic: `${T}/request`, path: '/', headers: {}, value: { subscriptionId: id, demand: 10 } });
    expect((await ws.next(streaming('next'))).value.item.revision).toBe(4);
    expect((await ws.next(streaming('next'))).value.item.revision).toBe(5);
    expect((await ws.next(streaming('complete'))).value).toEqual({ subscriptionId: id });
  });

  it('filters, takes relative revisions, and stops on cancel', async () => {
    const id = await subscribe({ fromHistoricalRevision: -3, filter: 'ge(attributes/v,5)' });
    ws.send({ topic: `${T}/request`, path: '/', headers: {}, value: { subscriptionId: id, demand: 10 } });
    expect((await ws.next(streaming('next'))).value.item.value).toBe(5);
    expect((await ws.next(streaming('next'))).value.item.value).toBe(6);
    await ws.next(streaming('complete'));
    const cancelled = await subscribe({});
    ws.send({ topic: `${T}/cancel`, path: '/', headers: {}, value: { subscriptionId: cancelled } });
    await new Promise((r) => setTimeout(r, 50));
    expect(
      await ws.request({ topic: `${T}/request`, path: '/', value: { subscriptionId: cancelled, demand: 1 } }),
    ).toMatchObject({
      status: 400,
    });
  });

  it('fails for Things the session may not read', async () => {
    const bob = await WsTestClient.connect(s.url, { auth: 'bob:bob-pw' });
    const created = await bob.request({ topic: `${T}/subscribeForPersistedEvents`, path: '/', value: {} });
    const id = created.value.subscriptionId as string;
    bob.send({ topic: `${T}/request`, path: '/', headers: {}, value: { subscriptionId: id, demand: 1 } });
    expect((await bob.next(streaming('failed'))).value).toMatchObject({
      subscriptionId: id,
      error: { status: 404, error: 'things:thing.notfound' },
    });
    await bob.close();
  });

  it('streams the history of a policy, cut to what the session may read of it', async () => {
    const P = 'hist.t/rules/policies/streaming';
    const owner = {
      subjects: { 'nginx:ditto': { type: 'basic' } },
      resources: { 'policy:/': { grant: ['READ', 'WRITE'], revoke: [] } },
    };
    const created = await s.request('/api/2/policies/hist.t:rules', {
      method: 'PUT',
      json: { entries: { owner } },
    });
    expect(created.status).toBe(201);
    const guest = {
      subjects: { 'nginx:alice': { type: 'basic' } },
      resources: {
        'policy:/entries/guest': { grant: ['READ'], revoke: [] },
        'thing:/': { grant: ['READ'], revoke: [] },
      },
    };
    await s.request('/api/2/policies/hist.t:rules/entries/guest', { method: 'PUT', json: guest });
    await s.request('/api/2/policies/hist.t:rules/entries/owner/subjects/nginx:other', {
      method: 'PUT',
      json: { type: 'basic' },
    });

    const c = await ws.request({ topic: `${P}/subscribeForPersistedEvents`, path: '/', value: {} });
    expect(c.topic).toBe(`${P}/created`);
    const id = c.value.subscriptionId as string;
    ws.send({ topic: `${P}/request`, path: '/', headers: {}, value: { subscriptionId: id, demand: 10 } });
    const isNext = (f: Frame) => typeof f === 'object' && f.topic === `${P}/next`;
    const items = [await ws.next(isNext), await ws.next(isNext), await ws.next(isNext)].map(
      (f) => f.value.item,
    );
    expect(items.map((i) => [i.topic, i.path, i.revision])).toEqual([
      ['hist.t/rules/policies/events/created', '/', 1],
      ['hist.t/rules/policies/events/created', '/entries/guest', 2],
      ['hist.t/rules/policies/events/created', '/entries/owner/subjects/nginx:other', 3],
    ]);
    expect(items[1].value).toEqual(guest);
    await ws.next((f) => typeof f === 'object' && f.topic === `${P}/complete`);

    // Alice reads only her entry: the creation shows just that part, the owner's change not at all.
    const alice = await WsTestClient.connect(s.url, { auth: 'alice:alice-pw' });
    const ca = await alice.request({ topic: `${P}/subscribeForPersistedEvents`, path: '/', value: {} });
    const aid = ca.value.subscriptionId as string;
    alice.send({ topic: `${P}/request`, path: '/', headers: {}, value: { subscriptionId: aid, demand: 10 } });
    const got = (await alice.collect(isNext, 500)).map((f) => (typeof f === 'object' ? f.value.item : f));
    expect(got.map((i) => (typeof i === 'object' ? i.revision : i))).toEqual([2]);
    expect(got[0]).toMatchObject({ value: guest });
    await alice.next((f) => typeof f === 'object' && f.topic === `${P}/complete`);

    // Bob reads nothing of it: not found.
    const bob = await WsTestClient.connect(s.url, { auth: 'bob:bob-pw' });
    const cb = await bob.request({ topic: `${P}/subscribeForPersistedEvents`, path: '/', value: {} });
    const bid = cb.value.subscriptionId as string;
    bob.send({ topic: `${P}/request`, path: '/', headers: {}, value: { subscriptionId: bid, demand: 1 } });
    expect((await bob.next((f) => typeof f === 'object' && f.topic === `${P}/failed`)).value).toMatchObject({
      error: { status: 404, error: 'policies:policy.notfound' },
    });
    await Promise.all([alice.close(), bob.close()]);
  });
});
