/**
 * Back-pressure of the realtime edges: a consumer that stops reading fills its bounded queue, is told
 * (error envelope / SSE error event, then closed with a reason) and counted in the metrics, while the
 * queued frames never exceed the limit and fast consumers keep receiving everything. A session that
 * sends more commands than allowed in flight gets 429 for the excess.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, startServer, type TestServer } from './support/egiz-server.js';
import { WsTestClient } from './support/ws-client.js';

let s: TestServer;
const QUEUE_FRAMES = 50;

beforeAll(async () => {
  s = await startServer({
    EGIZ_REALTIME_QUEUE_FRAMES: String(QUEUE_FRAMES),
    EGIZ_REALTIME_QUEUE_BYTES: String(256 * 1024),
    EGIZ_REALTIME_MAX_IN_FLIGHT: '4',
  });
});
afterAll(async () => {
  await s.close();
});

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const big = (i: number) => `${i}:`.padEnd(40_000, 'x');

describe('a slow consumer', () => {
  it('is told, disconnected and counted over WebSocket, with its queue bounded, while others keep up', async () => {
    await s.request('/api/2/things/bp.ws:t', { method: 'PUT', json: {} });
    const fast = await WsTestClient.connect(s.url);
    await fast.control('START-SEND-EVENTS?namespaces=bp.ws');
    const slow = new WebSocket(`${s.url.replace('http', 'ws')}/ws/2`, {
      headers: { authorization: basic('ditto:ditto') },
    });
    await new Promise((r) => slow.once('open', r));
    const received: string[] = [];
    let closed: { code: number; reason: string } | undefined;
    slow.on('message', (d: Buffer) => received.push(d.toString()));
    slow.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
    slow.send('START-SEND-EVENTS?namespaces=bp.ws');
    await new Promise((r) => setTimeout(r, 100));
    // Stop reading: the kernel buffers fill, then the server's bounded queue.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    const overflowsBefore = await metric('egiz_realtime_overflows_total', 'edge="ws"');
    let maxQueued = 0;
    let resumed = false;
    const writes = 500;
    for (let i = 0; i < writes; i++) {
      const res = await s.request('/api/2/things/bp.ws:t/attributes/blob', { method: 'PUT', json: big(i) });
      expect(res.status).toBeLessThan(300);
      if (i % 25 === 0)
        maxQueued = Math.max(maxQueued, await metric('egiz_realtime_queued_frames', 'edge="ws"'));
      // Reading again once told: the server waits a grace period (5 s) for the close handshake of a
      // peer that reads, then cuts one that does not (1006), which the rest of the writes could outlast.
      if (
        !resumed &&
        i % 5 === 0 &&
        (await metric('egiz_realtime_overflows_total', 'edge="ws"')) > overflowsBefore
      ) {
        (slow as unknown as { _socket: { resume(): void } })._socket.resume();
        resumed = true;
      }
    }
    expect(resumed).toBe(true);
    expect(await metric('egiz_realtime_overflows_total', 'edge="ws"')).toBe(overflowsBefore + 1);
    expect(maxQueued).toBeLessThanOrEqual(QUEUE_FRAMES);
    // The fast consumer got every event, in order.
    const revisions: number[] = [];
    while (revisions.length < writes)
      revisions.push(
        (await fast.next((f) => typeof f === 'object' && f.path === '/attributes/blob', 10_000)).revision,
      );
    expect(revisions).toEqual(Array.from({ length: writes }, (_, i) => i + 2));
    // Reading again, the slow consumer found the error envelope and the close with its reason.
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (closed) {
          clearInterval(t);
          r();
        }
      }, 20);
    });
    expect(closed?.code).toBe(1013);
    expect(closed?.reason).toMatch(/too slowly/);
    const last = JSON.parse(received[received.length - 1] as string);
    expect(last).toMatchObject({ status: 503, value: { error: 'gateway:streaming.overflow' } });
    expect(received.length).toBeLessThan(writes);
    await fast.close();
  }, 60_000);

  it('is told and disconnected over SSE, and counted', async () => {
    await s.request('/api/2/things/bp.sse:t', { method: 'PUT', json: {} });
    const abort = new AbortController();
    const res = await fetch(`${s.url}/api/2/things?namespaces=bp.sse`, {
      headers: { accept: 'text/event-stream', authorization: basic('ditto:ditto') },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const before = await metric('egiz_realtime_overflows_total', 'edge="sse"');
    // Never read the body.
    for (let i = 0; i < 500 && (await metric('egiz_realtime_overflows_total', 'edge="sse"')) === before; i++)
      await s.request('/api/2/things/bp.sse:t/attributes/blob', { method: 'PUT', json: big(i) });
    expect(await metric('egiz_realtime_overflows_total', 'edge="sse"')).toBe(before + 1);
    const text = await res.text().catch(() => '');
    if (text !== '') expect(text).toMatch(/event: error\ndata: .*gateway:streaming\.overflow/);
    abort.abort();
  }, 60_000);
});

describe('commands in flight', () => {
  it('answers the excess of a burst with 429 too.many.requests and the rest normally', async () => {
    const ws = await WsTestClient.connect(s.url);
    const n = 60;
    for (let i = 0; i < n; i++)
      ws.send({
        topic: 'bp.burst/t/things/twin/commands/modify',
        path: `/attributes/a${i}`,
        value: i,
        headers: { 'correlation-id': `burst-${i}` },
      });
    await s.request('/api/2/things/bp.burst:t', { method: 'PUT', json: {} });
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        ws.next((f) => typeof f === 'object' && f.headers?.['correlation-id'] === `burst-${i}`),
      ),
    );
    const statuses = answers.map((a) => a.status as number);
    expect(statuses.filter((x) => x === 429).length).toBeGreaterThan(0);
    expect(answers.find((a) => a.status === 429)).toMatchObject({ value: { error: 'too.many.requests' } });
    expect(statuses.every((x) => x === 429 || x === 404 || x === 201 || x === 204)).toBe(true);
    expect(
      await metric('egiz_realtime_rejected_total', 'edge="ws",reason="in-flight-limit"'),
    ).toBeGreaterThan(0);
    await ws.close();
  });
});
