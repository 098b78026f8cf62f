/**
 * The live channel: messages from HTTP and WebSocket to devices on WebSocket sessions (the reply
 * becomes the HTTP response; 408 without one; 202 for fire-and-forget), message permissions and
 * claim messages, SSE on mailboxes, live commands (channel=live, live-channel-condition,
 * live-channel-timeout-strategy) and live events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, startServer, type TestServer } from './support/egiz-server.js';
import { SseTestClient } from './support/sse-client.js';
import { WsTestClient, type Frame } from './support/ws-client.js';

let s: TestServer;
let device: WsTestClient;

const isMessage = (subject: string) => (f: Frame) =>
  typeof f === 'object' &&
  String(f.topic).endsWith(`/things/live/messages/${subject}`) &&
  f.status === undefined;

beforeAll(async () => {
  s = await startServer();
  await s.request('/api/2/things/live.t:coffee', {
    method: 'PUT',
    json: { features: { tank: { properties: { level: 3 } } } },
  });
  device = await WsTestClient.connect(s.url);
  await device.control('START-SEND-MESSAGES');
  await device.control('START-SEND-LIVE-COMMANDS');
});
afterAll(async () => {
  await device.close();
  await s.close();
});

describe('messages over HTTP', () => {
  it('delivers to the device and returns its reply (status, content-type, payload) as the HTTP response', async () => {
    const pending = s.request('/api/2/things/live.t:coffee/inbox/messages/ask?timeout=5', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'correlation-id': 'msg-1' },
      body: 'Hey, how are you?',
    });
    const msg = await device.next(isMessage('ask'));
    expect(msg).toMatchObject({
      topic: 'live.t/coffee/things/live/messages/ask',
      path: '/inbox/messages/ask',
      value: 'Hey, how are you?',
      headers: { 'content-type': 'text/plain', 'correlation-id': 'msg-1', 'ditto-originator': 'nginx:ditto' },
    });
    device.send({
      topic: msg.topic,
      headers: { 'correlation-id': 'msg-1', 'content-type': 'text/plain' },
      path: '/outbox/messages/ask',
      value: 'I am only a coffee machine.',
      status: 418,
    });
    const res = await pending;
    expect(res.status).toBe(418);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('I am only a coffee machine.');
  });

  it('carries JSON to features and back', async () => {
    const pending = s.request('/api/2/things/live.t:coffee/features/tank/inbox/messages/heat/up', {
      method: 'POST',
      json: { to: 90 },
    });
    const msg = await device.next(isMessage('heat/up'));
    expect(msg).toMatchObject({ path: '/features/tank/inbox/messages/heat/up', value: { to: 90 } });
    device.send({
      topic: msg.topic,
      headers: { 'correlation-id': msg.headers['correlation-id'] },
      path: msg.path,
      value: { ok: true },
      status: 200,
    });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers 408 when no reply comes in time, and 202 at once for timeout=0', async () => {
    const t0 = Date.now();
    const res = await s.request('/api/2/things/live.t:coffee/inbox/messages/silence?timeout=1', {
      method: 'POST',
      json: 'anyone?',
    });
    expect(res.status).toBe(408);
    expect(await res.json()).toMatchObject({ status: 408, error: 'acknowledgement:request.timeout' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    await device.next(isMessage('silence'));
    const ff = await s.request('/api/2/things/live.t:coffee/outbox/messages/smoke?timeout=0', {
      method: 'POST',
      json: 'alarm',
    });
    expect(ff.status).toBe(202);
    expect(await device.next(isMessage('smoke'))).toMatchObject({
      path: '/outbox/messages/smoke',
      value: 'alarm',
    });
  });

  it('needs WRITE on message:/ to send (404 for strangers, 403 for readers) and READ to receive; claim needs neither', async () => {
    const stranger = await s.request('/api/2/things/live.t:coffee/inbox/messages/x?timeout=0', {
      method: 'POST',
      json: 1,
      auth: 'bob:bob-pw',
    });
    expect(stranger.status).toBe(404);
    await s.request('/api/2/policies/live.t:coffee/entries/BOB', {
      method: 'PUT',
      json: {
        subjects: { 'nginx:bob': { type: 'reader' } },
        resources: {
          'thing:/': { grant: ['READ'], revoke: [] },
          'message:/outbox': { grant: ['READ'], revoke: [] },
        },
      },
    });
    const reader = await s.request('/api/2/things/live.t:coffee/inbox/messages/x?timeout=0', {
      method: 'POST',
      json: 1,
      auth: 'bob:bob-pw',
    });
    expect(reader.status).toBe(403);
    expect(await reader.json()).toMatchObject({ error: 'messages:send.notallowed' });

    const bob = await WsTestClient.connect(s.url, { auth: 'bob:bob-pw' });
    await bob.control('START-SEND-MESSAGES');
    await s.request('/api/2/things/live.t:coffee/inbox/messages/private?timeout=0', {
      method: 'POST',
      json: 'p',
    });
    await s.request('/api/2/things/live.t:coffee/outbox/messages/public?timeout=0', {
      method: 'POST',
      json: 'o',
    });
    expect(await bob.next(isMessage('public'))).toMatchObject({ value: 'o' });
    expect(await bob.collect(isMessage('private'), 100)).toEqual([]);
    await bob.close();

    const claim = s.request('/api/2/things/live.t:coffee/inbox/claim?timeout=5', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'secret',
      auth: 'alice:alice-pw',
    });
    const c = await device.next(isMessage('claim'));
    expect(c).toMatchObject({
      path: '/inbox/messages/claim',
      value: 'secret',
      headers: { 'ditto-originator': 'nginx:alice' },
    });
    device.send({
      topic: c.topic,
      headers: { 'correlation-id': c.headers['correlation-id'] },
      path: c.path,
      status: 204,
    });
    expect((await claim).status).toBe(204);
  });

  it('streams mailbox payloads over SSE with the subject as event type', async () => {
    const sse = await SseTestClient.open(`${s.url}/api/2/things/live.t:coffee/outbox/messages`);
    await new Promise((r) => setTimeout(r, 100));
    await s.request('/api/2/things/live.t:coffee/outbox/messages/temp?timeout=0', {
      method: 'POST',
      json: { c: 21 },
    });
    await s.request('/api/2/things/live.t:coffee/inbox/messages/not-outbox?timeout=0', {
      method: 'POST',
      json: 1,
    });
    expect(await sse.next()).toEqual({ event: 'temp', data: '{"c":21}' });
    await new Promise((r) => setTimeout(r, 100));
    expect(sse.events).toEqual([]);
    sse.close();
  });
});

describe('messages between WebSocket sessions', () => {
  it('routes a message and its reply by correlation-id, not back to the sender', async () => {
    const app = await WsTestClient.connect(s.url);
    await app.control('START-SEND-MESSAGES');
    const answer = app.request({
      topic: 'live.t/coffee/things/live/messages/brew',
      path: '/inbox/messages/brew',
      value: 'espresso',
      headers: { 'content-type': 'text/plain', 'correlation-id': 'ws-brew-1', timeout: '5s' },
    });
    const msg = await device.next(isMessage('brew'));
    device.send({
      ...msg,
      path: '/inbox/messages/brew',
      status: 200,
      value: 'done',
      headers: { 'correlation-id': 'ws-brew-1' },
    });
    expect(await answer).toMatchObject({
      topic: 'live.t/coffee/things/live/messages/brew',
      status: 200,
      value: 'done',
    });
    expect(await app.collect(isMessage('brew'), 100)).toEqual([]);
    const silent = await app.request({
      topic: 'live.t/coffee/things/live/messages/nobody',
      path: '/inbox/messages/nobody',
      value: 1,
      headers: { timeout: '300ms' },
    });
    expect(silent).toMatchObject({ topic: 'live.t/coffee/things/live/errors', status: 408 });
    await app.close();
  });
});

describe('live commands and events', () => {
  it('sends ?channel=live to the device and returns its response', async () => {
    const pending = s.request(
      '/api/2/things/live.t:coffee/features/tank/properties/level?channel=live&timeout=5',
    );
    const cmd = await device.next(
      (f) => typeof f === 'object' && f.topic === 'live.t/coffee/things/live/commands/retrieve',
    );
    expect(cmd).toMatchObject({ path: '/features/tank/properties/level' });
    device.send({
      topic: cmd.topic,
      path: cmd.path,
      headers: { 'correlation-id': cmd.headers['correlation-id'] },
      value: 7,
      status: 200,
    });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toBe(7);
    // The twin was not asked (it still says 3).
    expect(await (await s.request('/api/2/things/live.t:coffee/features/tank/properties/level')).json()).toBe(
      3,
    );
  });

  it('falls back to the twin with use-twin, fails with 408 otherwise, and follows live-channel-condition', async () => {
    const twin = await s.request(
      '/api/2/things/live.t:coffee/features/tank/properties/level?channel=live&timeout=300ms&live-channel-timeout-strategy=use-twin',
    );
    expect(twin.status).toBe(200);
    expect(await twin.json()).toBe(3);
    const fail = await s.request(
      '/api/2/things/live.t:coffee/features/tank/properties/level?channel=live&timeout=300ms',
    );
    expect(fail.status).toBe(408);
    const notMatched = await s.request(
      `/api/2/things/live.t:coffee?live-channel-condition=${encodeURIComponent('gt(features/tank/properties/level,5)')}`,
    );
    expect(notMatched.status).toBe(200);
    expect(notMatched.headers.get('live-channel-condition-matched')).toBe('false');
    const matched = s.request(
      `/api/2/things/live.t:coffee/features/tank?live-channel-condition=${encodeURIComponent('lt(features/tank/properties/level,5)')}&timeout=5`,
    );
    const cmd = await device.next(
      (f) =>
        typeof f === 'object' &&
        f.topic === 'live.t/coffee/things/live/commands/retrieve' &&
        f.path === '/features/tank',
    );
    device.send({
      topic: cmd.topic,
      path: cmd.path,
      headers: { 'correlation-id': cmd.headers['correlation-id'] },
      value: { properties: { level: 0 } },
      status: 200,
    });
    const res = await matched;
    expect(res.headers.get('live-channel-condition-matched')).toBe('true');
    expect(await res.json()).toEqual({ properties: { level: 0 } });
  });

  it('routes live commands from a WebSocket and live events from a device, storing nothing', async () => {
    const app = await WsTestClient.connect(s.url);
    await app.control('START-SEND-LIVE-EVENTS');
    const answer = app.request({
      topic: 'live.t/coffee/things/live/commands/modify',
      path: '/features/tank/properties/level',
      value: 9,
      headers: { timeout: '5s' },
    });
    const cmd = await device.next(
      (f) => typeof f === 'object' && f.topic === 'live.t/coffee/things/live/commands/modify',
    );
    expect(cmd.value).toBe(9);
    device.send({
      topic: cmd.topic,
      path: cmd.path,
      headers: { 'correlation-id': cmd.headers['correlation-id'] },
      status: 204,
    });
    expect(await answer).toMatchObject({ topic: 'live.t/coffee/things/live/commands/modify', status: 204 });
    device.send({
      topic: 'live.t/coffee/things/live/events/modified',
      path: '/features/tank/properties/level',
      value: 8,
      headers: { 'correlation-id': 'live-ev-1' },
    });
    expect(
      await app.next((f) => typeof f === 'object' && f.topic === 'live.t/coffee/things/live/events/modified'),
    ).toMatchObject({
      value: 8,
      headers: { 'correlation-id': 'live-ev-1' },
    });
    expect(await (await s.request('/api/2/things/live.t:coffee/features/tank/properties/level')).json()).toBe(
      3,
    );
    await app.close();
  });

  it('follows live-channel-condition on WebSocket retrieves', async () => {
    const app = await WsTestClient.connect(s.url);
    const twin = await app.request({
      topic: 'live.t/coffee/things/twin/commands/retrieve',
      path: '/features/tank/properties/level',
      headers: { 'live-channel-condition': 'gt(features/tank/properties/level,5)' },
    });
    expect(twin).toMatchObject({
      status: 200,
      value: 3,
      headers: { 'live-channel-condition-matched': 'false' },
    });
    const live = app.request({
      topic: 'live.t/coffee/things/twin/commands/retrieve',
      path: '/features/tank/properties/level',
      headers: {
        'live-channel-condition': 'lt(features/tank/properties/level,5)',
        timeout: '5s',
        'correlation-id': 'lcc-ws-1',
      },
    });
    const cmd = await device.next(
      (f) => typeof f === 'object' && f.headers?.['correlation-id'] === 'lcc-ws-1',
    );
    device.send({
      topic: cmd.topic,
      path: cmd.path,
      headers: { 'correlation-id': cmd.headers['correlation-id'] },
      value: 4,
      status: 200,
    });
    expect(await live).toMatchObject({
      topic: 'live.t/coffee/things/live/commands/retrieve',
      status: 200,
      value: 4,
      headers: { 'live-channel-condition-matched': 'true' },
    });
    await app.close();
  });

  it('refuses live commands without permission', async () => {
    const res = await fetch(
      `${s.url}/api/2/things/live.t:coffee/features/tank/properties/level?channel=live`,
      {
        method: 'PUT',
        headers: { authorization: basic('bob:bob-pw'), 'content-type': 'application/json' },
        body: '1',
      },
    );
    expect(res.status).toBe(403);
  });
});
