/**
 * WebSocket /ws/2 as a command channel: every thing and policy command works as a Ditto Protocol
 * envelope and is answered with the matching response or error (correlation-id echoed), with the
 * same semantics as HTTP; malformed frames get error envelopes and the connection stays open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';
import { WsTestClient } from './support/ws-client.js';

let s: TestServer;
let ws: WsTestClient;

beforeAll(async () => {
  s = await startServer();
  ws = await WsTestClient.connect(s.url);
});
afterAll(async () => {
  await ws.close();
  await s.close();
});

const T = 'org.egiz.ws/lamp/things/twin/commands';

describe('things over the WebSocket', () => {
  it('creates, reads, modifies, merges and deletes at every level with HTTP semantics', async () => {
    const created = await ws.request({
      topic: `${T}/create`,
      path: '/',
      value: { attributes: { location: 'kitchen' }, features: { lamp: { properties: { on: false } } } },
    });
    expect(created).toMatchObject({
      topic: `${T}/create`,
      path: '/',
      status: 201,
      value: {
        thingId: 'org.egiz.ws:lamp',
        policyId: 'org.egiz.ws:lamp',
        attributes: { location: 'kitchen' },
      },
      headers: { etag: '"rev:1"' },
    });
    expect(await ws.request({ topic: `${T}/create`, path: '/', value: {} })).toMatchObject({
      topic: 'org.egiz.ws/lamp/things/twin/errors',
      status: 409,
      value: { error: 'things:thing.conflict', status: 409 },
    });
    expect(await ws.request({ topic: `${T}/modify`, path: '/attributes/floor', value: 2 })).toMatchObject({
      status: 201,
      value: 2,
    });
    expect(await ws.request({ topic: `${T}/modify`, path: '/attributes/floor', value: 3 })).toMatchObject({
      status: 204,
    });
    expect(
      await ws.request({
        topic: `${T}/merge`,
        path: '/features/lamp/properties',
        value: { on: true, color: 'red' },
      }),
    ).toMatchObject({ status: 204 });
    expect(
      await ws.request({
        topic: `${T}/retrieve`,
        path: '/',
        fields: 'attributes/floor,features/lamp/properties/on,_revision',
      }),
    ).toMatchObject({
      status: 200,
      value: { attributes: { floor: 3 }, features: { lamp: { properties: { on: true } } }, _revision: 4 },
    });
    expect(
      await ws.request({ topic: `${T}/retrieve`, path: '/features/lamp/properties/color' }),
    ).toMatchObject({
      status: 200,
      value: 'red',
      headers: { etag: expect.stringMatching(/^"hash:/) },
    });
    expect(await ws.request({ topic: `${T}/delete`, path: '/features/lamp/properties/color' })).toMatchObject(
      {
        status: 204,
      },
    );
    expect(
      await ws.request({ topic: `${T}/retrieve`, path: '/features/lamp/properties/color' }),
    ).toMatchObject({
      status: 404,
      value: { error: 'things:feature.property.notfound' },
    });
    // The change made over the WebSocket is visible over HTTP.
    expect(await (await s.request('/api/2/things/org.egiz.ws:lamp/attributes/floor')).json()).toBe(3);
  });

  it('honours conditions, If-Match and historical reads given as protocol headers', async () => {
    expect(
      await ws.request({
        topic: `${T}/modify`,
        path: '/attributes/floor',
        value: 9,
        headers: { condition: 'eq(attributes/floor,1)' },
      }),
    ).toMatchObject({ status: 412, value: { error: 'things:condition.failed' } });
    expect(
      await ws.request({
        topic: `${T}/modify`,
        path: '/attributes/floor',
        value: 9,
        headers: { 'If-Match': '"rev:1"' },
      }),
    ).toMatchObject({ status: 412 });
    expect(
      await ws.request({
        topic: `${T}/retrieve`,
        path: '/attributes',
        headers: { 'at-historical-revision': 1 },
      }),
    ).toMatchObject({ status: 200, value: { location: 'kitchen' } });
  });

  it('answers nothing with response-required false, but still applies the command', async () => {
    ws.send({
      topic: `${T}/modify`,
      path: '/attributes/quiet',
      value: true,
      headers: { 'correlation-id': 'quiet-1', 'response-required': false },
    });
    const answers = await ws.collect(
      (f) => typeof f === 'object' && f.headers?.['correlation-id'] === 'quiet-1',
      300,
    );
    expect(answers).toEqual([]);
    expect(await (await s.request('/api/2/things/org.egiz.ws:lamp/attributes/quiet')).json()).toBe(true);
  });

  it('retrieves several Things, leaving out unknown ones', async () => {
    expect(
      await ws.request({
        topic: '_/_/things/twin/commands/retrieve',
        path: '/',
        value: { thingIds: ['org.egiz.ws:lamp', 'org.egiz.ws:nope'] },
        fields: 'thingId',
      }),
    ).toMatchObject({
      topic: '_/_/things/twin/commands/retrieve',
      status: 200,
      value: [{ thingId: 'org.egiz.ws:lamp' }],
    });
  });

  it('enforces policies: strangers get 404, readers 403', async () => {
    const bob = await WsTestClient.connect(s.url, { auth: 'bob:bob-pw' });
    try {
      expect(await bob.request({ topic: `${T}/retrieve`, path: '/' })).toMatchObject({
        status: 404,
        value: { error: 'things:thing.notfound' },
      });
      await s.request('/api/2/policies/org.egiz.ws:lamp/entries/READER', {
        method: 'PUT',
        json: {
          subjects: { 'nginx:bob': { type: 'test' } },
          resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
        },
      });
      expect(await bob.request({ topic: `${T}/modify`, path: '/attributes/floor', value: 0 })).toMatchObject({
        status: 403,
        value: { error: 'things:attribute.notmodifiable' },
      });
    } finally {
      await bob.close();
    }
  });
});

describe('policies over the WebSocket', () => {
  const P = 'org.egiz.ws/pol-1/policies/commands';
  const policy = {
    entries: {
      OWNER: {
        subjects: { 'nginx:ditto': { type: 'owner' } },
        resources: {
          'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
          'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
        },
      },
    },
  };

  it('creates, reads sub-resources with slashes in keys, modifies and deletes', async () => {
    expect(await ws.request({ topic: `${P}/create`, path: '/', value: policy })).toMatchObject({
      topic: `${P}/create`,
      status: 201,
      value: { policyId: 'org.egiz.ws:pol-1' },
    });
    expect(await ws.request({ topic: `${P}/create`, path: '/', value: policy })).toMatchObject({
      topic: 'org.egiz.ws/pol-1/policies/errors',
      status: 409,
      value: { error: 'policies:policy.conflict' },
    });
    expect(
      await ws.request({ topic: `${P}/retrieve`, path: '/entries/OWNER/resources/thing:/' }),
    ).toMatchObject({ status: 200, value: { grant: ['READ', 'WRITE'] } });
    expect(
      await ws.request({
        topic: `${P}/modify`,
        path: '/entries/OWNER/resources/thing:/attributes/secret',
        value: { grant: [], revoke: ['READ'] },
      }),
    ).toMatchObject({ status: 201 });
    expect(await ws.request({ topic: `${P}/retrieve`, path: '/entries/NOPE' })).toMatchObject({
      status: 404,
      value: { error: 'policies:entry.notfound' },
    });
    expect(await ws.request({ topic: `${P}/delete`, path: '/' })).toMatchObject({ status: 204 });
    expect(await ws.request({ topic: `${P}/retrieve`, path: '/' })).toMatchObject({ status: 404 });
  });
});

describe('malformed frames', () => {
  it('answers each with an error envelope and keeps the connection open', async () => {
    ws.send('this is not json');
    expect(await ws.next((f) => typeof f === 'object' && f.value?.error === 'json.invalid')).toMatchObject({
      topic: '_/_/things/twin/errors',
      status: 400,
    });
    ws.send({
      topic: 'org.egiz.ws/lamp/things/twin/commands/upsert',
      headers: { 'correlation-id': 'bad-1' },
      path: '/',
    });
    expect(
      await ws.next((f) => typeof f === 'object' && f.headers?.['correlation-id'] === 'bad-1'),
    ).toMatchObject({
      topic: 'org.egiz.ws/lamp/things/twin/errors',
      status: 400,
      value: { error: 'protocoladapter:unknown.topicpath' },
    });
    expect(await ws.request({ topic: `${T}/retrieve`, path: '/nowhere' })).toMatchObject({
      status: 400,
      value: { error: 'protocoladapter:unknown.path' },
    });
    expect(await ws.request({ topic: `${T}/modify`, path: '/attributes/x' })).toMatchObject({
      status: 400,
      value: { error: 'protocoladapter:unknown.command' },
    });
    ws.send({ headers: { 'correlation-id': 'bad-2' }, path: '/' });
    expect(
      await ws.next((f) => typeof f === 'object' && f.headers?.['correlation-id'] === 'bad-2'),
    ).toMatchObject({
      status: 400,
      value: { error: 'protocoladapter:envelope.invalid' },
    });
    ws.send('[1,2,3]');
    expect(
      await ws.next((f) => typeof f === 'object' && f.value?.error === 'protocoladapter:envelope.invalid'),
    ).toBeTruthy();
    ws.send('START-SEND-NOTHING');
    expect(
      await ws.next((f) => typeof f === 'object' && f.value?.error === 'protocoladapter:unknown.command'),
    ).toBeTruthy();
    ws.send('START-SEND-EVENTS?filter=eq(attributes/x');
    expect(
      await ws.next((f) => typeof f === 'object' && f.value?.error === 'rql.expression.invalid'),
    ).toBeTruthy();
    ws.send({
      topic: 'org.egiz.ws/lamp/things/twin/events/modified',
      headers: { 'correlation-id': 'bad-3' },
      path: '/attributes/a',
      value: 1,
    });
    expect(
      await ws.next((f) => typeof f === 'object' && f.headers?.['correlation-id'] === 'bad-3'),
    ).toMatchObject({
      status: 400,
    });
    expect(ws.closed).toBeUndefined();
    expect(await ws.request({ topic: `${T}/retrieve`, path: '/thingId' })).toMatchObject({ status: 400 });
    expect(await ws.request({ topic: `${T}/retrieve`, path: '/policyId' })).toMatchObject({ status: 200 });
  });

  it('refuses upgrades without valid credentials with a Ditto error, and unknown paths with 404', async () => {
    await expect(WsTestClient.connect(s.url, { auth: 'ditto:wrong' })).rejects.toMatchObject({ status: 401 });
    await expect(WsTestClient.connect(s.url, { auth: false })).rejects.toMatchObject({ status: 401 });
    const res = await fetch(`${s.url}/ws/2`, { headers: { authorization: 'Basic ZGl0dG86ZGl0dG8=' } });
    expect(res.status).toBeLessThan(500);
  });
});
