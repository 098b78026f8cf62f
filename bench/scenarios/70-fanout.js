/**
 * @module Scenario: event fan-out to many WebSocket subscribers. Each subscriber session sends
 * START-SEND-EVENTS and waits for the ACK; a few REST writers then modify feature properties in a
 * closed loop (value = sequence number), and every `modified` event a subscriber receives is matched
 * to its write: deliveries/s and write -> delivery latency. The baseline is the raw `ws` server
 * broadcasting the same event shape. Not available while Egiz has no /ws/2.
 */
import process from 'node:process';
import { setTimeout, clearTimeout } from 'node:timers';
import { Histogram } from '../lib/histogram.js';
import { openWs, probeWs } from '../lib/ws-load.js';
import { sleep } from '../lib/context.js';

const WRITERS = 4;
const VALUE =
  /"path":"\/features\/f\/properties\/value"[^]*?"value":(\d+)|"value":(\d+)[^]*?"path":"\/features\/f\/properties\/value"/;

async function subscribe(url, headers, n) {
  const sockets = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async () => {
        const ws = await openWs(url, headers);
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no START-SEND-EVENTS:ACK within 10 s')), 10000);
          ws.on('message', function ack(data) {
            if (data.toString() !== 'START-SEND-EVENTS:ACK') return;
            clearTimeout(timer);
            ws.off('message', ack);
            resolve();
          });
          ws.send('START-SEND-EVENTS');
        });
        return ws;
      }),
    );
    sockets.push(...batch);
  }
  return sockets;
}

async function fanout(ctx, server, wsUrl, namespace, count) {
  const subscribers = ctx.sizes.subscribers;
  const sockets = await subscribe(wsUrl, ctx.authHeaders, subscribers);
  const sent = new Map();
  const hist = new Histogram();
  let measuring = false;
  let deliveries = 0;
  let windowStart = 0n;
  let windowEnd = 0n;
  for (const ws of sockets)
    ws.on('message', (data) => {
      const t1 = process.hrtime.bigint();
      const m = VALUE.exec(data.toString());
      if (!m) return;
      const t0 = sent.get(Number(m[1] ?? m[2]));
      if (t0 === undefined) return;
      deliveries += 1;
      if (measuring) hist.record(Number(t1 - t0));
    });
  let deliveriesAtStart = 0;
  let deliveriesAtEnd = 0;
  const result = ctx.check(
    await ctx.load(server, {
      connections: WRITERS,
      request: (seq) => {
        sent.set(seq, process.hrtime.bigint());
        return {
          method: 'PUT',
          path: `/api/2/things/${namespace}:twin-${seq % count}/features/f/properties/value`,
          body: String(seq),
        };
      },
      onMeasureStart: () => {
        measuring = true;
        deliveriesAtStart = deliveries;
        windowStart = process.hrtime.bigint();
      },
      onMeasureEnd: () => {
        measuring = false;
        deliveriesAtEnd = deliveries;
        windowEnd = process.hrtime.bigint();
      },
    }),
    'fan-out writers',
  );
  await sleep(1000); // late deliveries still count towards completeness
  for (const ws of sockets) ws.terminate();
  const seconds = Number(windowEnd - windowStart) / 1e9;
  const expected = sent.size * subscribers;
  return {
    throughput: (deliveriesAtEnd - deliveriesAtStart) / seconds,
    latency: hist.summaryMs(),
    requests: hist.count,
    errors: 0,
    seconds,
    proc: result.proc,
    writes: result.throughput,
    missing: expected - deliveries,
    expected,
  };
}

export default {
  id: 'fanout',
  title: 'Event fan-out to WebSocket subscribers',
  order: 70,
  uses: ['egiz-rest'],
  targetText: '≥ 50,000 deliveries/s, p99 < 50 ms',
  async run(ctx) {
    const available = await ctx.probe((server) =>
      probeWs(`ws://127.0.0.1:${server.port}/ws/2`, ctx.authHeaders),
    );
    const n = ctx.sizes.subscribers;
    const targets = [
      { what: 'measured', op: '>=', value: 50000, text: '≥ 50,000/s' },
      { what: 'p99', op: '<', value: 50, text: 'p99 < 50 ms' },
    ];
    const name = `Event fan-out to ${n.toLocaleString('en-US')} WS subscribers (${WRITERS} REST writers), deliveries`;

    ctx.log(`broadcast baseline: ${n} subscribers`);
    const echo = await ctx.startBaseline('ws-echo');
    const baseline = await fanout(
      ctx,
      echo,
      `ws://127.0.0.1:${echo.port}/`,
      'bench.rest',
      ctx.sizes.restTwins,
    );
    await ctx.stop(echo);

    if (available !== true) {
      const u = ctx.unavailable(`/ws/2: ${available}`);
      const row = ctx.loadRow({
        name,
        result: baseline,
        baseline,
        baselineName: 'raw ws broadcast',
        targets,
      });
      Object.assign(row, {
        measured: null,
        ratio: null,
        verdict: 'n/a',
        server: undefined,
        client: undefined,
        latency: undefined,
      });
      u.rows = [row];
      throw u;
    }
    const egiz = await ctx.fixture('egiz-rest');
    ctx.log(`Egiz: ${n} subscribers`);
    const result = await fanout(
      ctx,
      egiz.server,
      `ws://127.0.0.1:${egiz.server.port}/ws/2`,
      egiz.namespace,
      egiz.count,
    );
    return [
      ctx.loadRow({
        name,
        result,
        baseline,
        baselineName: 'raw ws broadcast',
        targets,
        notes:
          `${Math.round(result.writes)} writes/s; latency from a write's request to each delivery; ` +
          `${result.missing} of ${result.expected} deliveries missing 1 s after the end.`,
      }),
    ];
  },
};
