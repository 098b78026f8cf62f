/**
 * Acknowledgements: requested-acks with twin-persisted, search-persisted and custom labels declared
 * by WebSocket subscribers (?declared-acks=), aggregated as Ditto does (sole ack's status, else 200
 * or 424), timeouts as 408 entries, weak acks for subscribers that filter the event out, the header
 * rules (timeout 0, response-required), and the same over the WebSocket.
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

const isEvent = (path: string) => (f: Frame) =>
  typeof f === 'object' && /\/events\//.test(String(f.topic)) && f.path === path;

async function subscriber(
  label: string,
  start = 'START-SEND-EVENTS?namespaces=acks.t',
): Promise<WsTestClient> {
  const ws = await WsTestClient.connect(s.url, { query: `declared-acks=${label}` });
  await ws.control(start);
  return ws;
}

function ackFor(
  ws: WsTestClient,
  event: { topic: string; headers: Record<string, string> },
  label: string,
  status: number,
  value?: unknown,
): void {
  ws.send({
    topic: event.topic.replace(/events\/\w+$/, `acks/${label}`),
    headers: { 'correlation-id': event.headers['correlation-id'] },
    path: '/',
    status,
    ...(value !== undefined ? { value } : {}),
  });
}

describe('acknowledgements over HTTP', () => {
  it('aggregates twin-persisted and a custom ack into 200', async () => {
    const sub = await subscriber('acks:green');
    const pending = s.request(
      '/api/2/things/acks.t:one?requested-acks=twin-persisted,acks:green&timeout=5s',
      {
        method: 'PUT',
        json: { attributes: { a: 1 } },
        headers: { 'correlation-id': 'ack-cid-1' },
      },
    );
    const event = await sub.next(isEvent('/'));
    expect(event.headers).toMatchObject({ 'correlation-id': 'ack-cid-1', 'requested-acks': ['acks:green'] });
    ackFor(sub, event, 'acks:green', 200, { outcome: 'green' });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      'twin-persisted': {
        status: 201,
        payload: { thingId: 'acks.t:one', policyId: 'acks.t:one', attributes: { a: 1 } },
        headers: { 'correlation-id': 'ack-cid-1', etag: '"rev:1"', location: '/api/2/things/acks.t:one' },
      },
      'acks:green': {
        status: 200,
        payload: { outcome: 'green' },
        headers: expect.objectContaining({ 'correlation-id': 'ack-cid-1' }),
      },
    });
    await sub.close();
  });

  it('answers 424 with a 408 entry when an ack does not come, and a failed ack keeps its status', async () => {
    const sub = await subscriber('acks:slow');
    const res = await s.request(
      '/api/2/things/acks.t:one/attributes/b?requested-acks=twin-persisted,acks:slow&timeout=500ms',
      {
        method: 'PUT',
        json: 2,
      },
    );
    expect(res.status).toBe(424);
    const body = await res.json();
    expect(body['twin-persisted'].status).toBe(201);
    expect(body['acks:slow']).toMatchObject({
      status: 408,
      payload: { error: 'acknowledgement:request.timeout' },
    });

    const pending = s.request(
      '/api/2/things/acks.t:one/attributes/b?requested-acks=twin-persisted,acks:slow&timeout=5s',
      {
        method: 'PUT',
        json: 3,
      },
    );
    const third = await sub.next(
      (f) => isEvent('/attributes/b')(f) && (f as { value?: unknown }).value === 3,
    );
    ackFor(sub, third, 'acks:slow', 400, 'You better try harder');
    const failed = await pending;
    expect(failed.status).toBe(424);
    expect((await failed.json())['acks:slow']).toMatchObject({
      status: 400,
      payload: 'You better try harder',
    });
    await sub.close();
  });

  it('answers a sole requested ack with its own status and payload; search-persisted is granted after commit', async () => {
    const sub = await subscriber('acks:only');
    const pending = s.request('/api/2/things/acks.t:one/attributes/c?requested-acks=acks:only&timeout=5s', {
      method: 'PUT',
      json: 1,
    });
    ackFor(sub, await sub.next(isEvent('/attributes/c')), 'acks:only', 202, { fine: true });
    const res = await pending;
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ fine: true });
    const search = await s.request(
      '/api/2/things/acks.t:one/attributes/c?requested-acks=twin-persisted,search-persisted',
      {
        method: 'PUT',
        json: 5,
      },
    );
    expect(search.status).toBe(200);
    const both = await search.json();
    expect(both['twin-persisted'].status).toBe(204);
    expect(both['search-persisted'].status).toBe(204);
    const found = await (
      await s.request(`/api/2/search/things?filter=${encodeURIComponent('eq(attributes/c,5)')}`)
    ).json();
    expect(found.items.map((t: { thingId: string }) => t.thingId)).toContain('acks.t:one');
    await sub.close();
  });

  it('issues weak acks for a subscriber whose filter withholds the event', async () => {
    const sub = await subscriber(
      'acks:weak',
      `START-SEND-EVENTS?filter=${encodeURIComponent('eq(attributes/never,true)')}`,
    );
    const res = await s.request(
      '/api/2/things/acks.t:one/attributes/d?requested-acks=twin-persisted,acks:weak&timeout=5s',
      {
        method: 'PUT',
        json: 1,
      },
    );
    expect(res.status).toBe(200);
    expect((await res.json())['acks:weak']).toMatchObject({
      status: 200,
      headers: { 'ditto-weak-ack': true },
    });
    await sub.close();
  });

  it('applies the header rules: timeout 0 with acks is a 400, response-required=false a 202 after the acks', async () => {
    const bad = await s.request('/api/2/things/acks.t:one/attributes/e?requested-acks=acks:x1&timeout=0', {
      method: 'PUT',
      json: 1,
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'acknowledgement:header.invalid' });
    const quiet = await s.request(
      '/api/2/things/acks.t:one/attributes/e?requested-acks=twin-persisted,search-persisted&response-required=false',
      {
        method: 'PUT',
        json: 1,
      },
    );
    expect(quiet.status).toBe(202);
    const ff = await s.request('/api/2/things/acks.t:one/attributes/e?timeout=0', {
      method: 'PUT',
      json: 'ff',
    });
    expect(ff.status).toBe(202);
    expect(await (await s.request('/api/2/things/acks.t:one/attributes/e')).json()).toBe('ff');
    const invalid = await s.request('/api/2/things/acks.t:one/attributes/e?requested-acks=x', {
      method: 'PUT',
      json: 1,
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: 'acknowledgement:label.invalid' });
  });
});

describe('acknowledgements over the WebSocket', () => {
  it('answers a command with requested acks with the aggregated acks envelope', async () => {
    const sub = await subscriber('acks:ws');
    const client = await WsTestClient.connect(s.url);
    const pending = client.request({
      topic: 'acks.t/two/things/twin/commands/modify',
      path: '/',
      value: { attributes: { x: 1 } },
      headers: { 'requested-acks': ['twin-persisted', 'acks:ws'], timeout: '5s' },
    });
    const event = await sub.next(isEvent('/'));
    ackFor(sub, event, 'acks:ws', 200);
    const acks = await pending;
    expect(acks).toMatchObject({
      topic: 'acks.t/two/things/twin/acks',
      path: '/',
      status: 200,
      value: { 'twin-persisted': { status: 201 }, 'acks:ws': { status: 200 } },
    });
    expect(
      await client.request({
        topic: 'acks.t/two/things/twin/commands/modify',
        path: '/attributes/y',
        value: 1,
        headers: { 'requested-acks': ['acks:ws'], 'response-required': false },
      }),
    ).toMatchObject({ status: 400, value: { error: 'acknowledgement:header.invalid' } });
    await client.close();
    await sub.close();
  });

  it('keeps declared labels unique, and refuses acks for undeclared or built-in labels', async () => {
    const first = await subscriber('acks:unique');
    const second = await WsTestClient.connect(s.url, { query: 'declared-acks=acks:unique' });
    const closed = await second.waitClosed();
    expect(closed.code).toBe(1008);
    expect(second.frames).toContainEqual(
      expect.objectContaining({
        value: expect.objectContaining({ error: 'acknowledgement:label.not.unique' }),
      }),
    );
    expect(
      await first.request({ topic: 'acks.t/one/things/twin/acks/acks:other', path: '/', status: 200 }),
    ).toMatchObject({ status: 400, value: { error: 'acknowledgement:label.not.declared' } });
    const builtIn = await WsTestClient.connect(s.url, { query: 'declared-acks=twin-persisted' });
    expect((await builtIn.waitClosed()).code).toBe(1008);
    await first.close();
    // Once the first session is gone, its label is free again.
    const third = await subscriber('acks:unique');
    expect(third.closed).toBeUndefined();
    await third.close();
  });
});
