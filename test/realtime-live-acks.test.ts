/**
 * Custom acknowledgements on live signals (basic-acknowledgements): a message or live command that
 * requests labels declared by WebSocket sessions (?declared-acks=) waits for their acks; the answer
 * is the sole ack's own status and payload, or all requested acks aggregated with 200 when every
 * one succeeded and 424 otherwise (a missing one as a 408 entry). Subscribers that do not get the
 * signal issue weak acks. Real HTTP and WebSocket clients against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';
import { WsTestClient, type Frame } from './support/ws-client.js';

let s: TestServer;

beforeAll(async () => {
  s = await startServer();
  const res = await s.request('/api/2/things/lack.t:pump', {
    method: 'PUT',
    json: { attributes: { site: 'north' } },
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await s.close();
});

const isLive = (suffix: string) => (f: Frame) =>
  typeof f === 'object' && String(f.topic).endsWith(suffix) && f.status === undefined;

async function device(label: string, start = 'START-SEND-MESSAGES'): Promise<WsTestClient> {
  const ws = await WsTestClient.connect(s.url, { query: `declared-acks=${label}` });
  await ws.control(start);
  return ws;
}

function ack(
  ws: WsTestClient,
  signal: { headers: Record<string, string> },
  label: string,
  status: number,
  value?: unknown,
) {
  ws.send({
    topic: `lack.t/pump/things/live/acks/${label}`,
    headers: { 'correlation-id': signal.headers['correlation-id'] },
    path: '/',
    status,
    ...(value !== undefined ? { value } : {}),
  });
}

describe('custom acknowledgements on live messages over HTTP', () => {
  it('answers with the sole requested ack, its status and payload', async () => {
    const d = await device('lack:received');
    const pending = s.request(
      '/api/2/things/lack.t:pump/inbox/messages/start?requested-acks=lack:received&timeout=5s',
      {
        method: 'POST',
        json: { speed: 3 },
      },
    );
    const msg = await d.next(isLive('/messages/start'));
    expect(msg.headers).toMatchObject({ 'requested-acks': ['lack:received'] });
    ack(d, msg, 'lack:received', 202, { queued: true });
    const res = await pending;
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ queued: true });
    await d.close();
  });

  it('aggregates live-response and a custom ack into 200, and a failed one into 424', async () => {
    const d = await device('lack:logged');
    const ok = s.request(
      '/api/2/things/lack.t:pump/inbox/messages/stop?requested-acks=live-response,lack:logged&timeout=5s',
      { method: 'POST', json: 'now' },
    );
    const msg = await d.next(isLive('/messages/stop'));
    ack(d, msg, 'lack:logged', 200);
    d.send({
      topic: msg.topic,
      path: '/outbox/messages/stop',
      headers: { 'correlation-id': msg.headers['correlation-id'], 'content-type': 'application/json' },
      value: { stopped: true },
      status: 200,
    });
    const res = await ok;
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      'live-response': { status: 200, payload: { stopped: true } },
      'lack:logged': { status: 200 },
    });

    const failing = s.request(
      '/api/2/things/lack.t:pump/inbox/messages/stop?requested-acks=live-response,lack:logged&timeout=5s',
      { method: 'POST', json: 'again' },
    );
    const again = await d.next((f) => isLive('/messages/stop')(f) && f !== msg);
    ack(d, again, 'lack:logged', 500, { reason: 'disk full' });
    d.send({
      topic: again.topic,
      path: '/outbox/messages/stop',
      headers: { 'correlation-id': again.headers['correlation-id'] },
      value: 'ok',
      status: 200,
    });
    const res2 = await failing;
    expect(res2.status).toBe(424);
    expect(await res2.json()).toMatchObject({
      'live-response': { status: 200, payload: 'ok' },
      'lack:logged': { status: 500, payload: { reason: 'disk full' } },
    });
    await d.close();
  });

  it('turns a missing ack into a 408 entry (424), and a subscriber that does not get it into a weak ack', async () => {
    const silent = await device('lack:silent');
    // Subscribed elsewhere: it does not get the message and acknowledges weakly at once.
    const elsewhere = await device('lack:elsewhere', 'START-SEND-MESSAGES?namespaces=other.ns');
    const res = await s.request(
      '/api/2/things/lack.t:pump/inbox/messages/ping?requested-acks=lack:silent,lack:elsewhere&timeout=1s',
      { method: 'POST', json: 1 },
    );
    expect(res.status).toBe(424);
    const body = await res.json();
    expect(body['lack:silent']).toMatchObject({
      status: 408,
      payload: { error: 'acknowledgement:request.timeout' },
    });
    expect(body['lack:elsewhere']).toMatchObject({ status: 200, headers: { 'ditto-weak-ack': true } });
    expect(elsewhere.frames.filter(isLive('/messages/ping'))).toEqual([]);
    await Promise.all([silent.close(), elsewhere.close()]);
  });
});

describe('custom acknowledgements on live signals over the WebSocket', () => {
  it('answers a live command with the aggregated acks envelope', async () => {
    const d = await device('lack:cmd-seen', 'START-SEND-LIVE-COMMANDS');
    const sender = await WsTestClient.connect(s.url);
    sender.send({
      topic: 'lack.t/pump/things/live/commands/modify',
      headers: {
        'correlation-id': 'lack-ws-1',
        'requested-acks': ['live-response', 'lack:cmd-seen'],
        timeout: '5s',
      },
      path: '/attributes/site',
      value: 'south',
    });
    const cmd = await d.next(isLive('/things/live/commands/modify'));
    ack(d, cmd, 'lack:cmd-seen', 204);
    d.send({
      topic: 'lack.t/pump/things/live/commands/modify',
      headers: { 'correlation-id': 'lack-ws-1' },
      path: '/attributes/site',
      status: 204,
    });
    const acks = await sender.next(
      (f) => typeof f === 'object' && f.topic === 'lack.t/pump/things/live/acks',
    );
    expect(acks).toMatchObject({
      status: 200,
      headers: { 'correlation-id': 'lack-ws-1' },
      value: { 'live-response': { status: 204 }, 'lack:cmd-seen': { status: 204 } },
    });
    // Live: the twin is unchanged.
    const twin = await s.request('/api/2/things/lack.t:pump/attributes/site');
    expect(await twin.json()).toBe('north');
    await Promise.all([d.close(), sender.close()]);
  });
});
