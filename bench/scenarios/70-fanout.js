/**
 * @module Scenario: event fan-out to WebSocket subscribers. Each subscriber session sends
 * START-SEND-EVENTS and waits for the ACK; REST writers then modify a feature property (value =
 * sequence number), and every `modified` event a subscriber receives is matched to its write.
 * Three rows, each also run on the baseline (the raw `ws` server broadcasting the same event shape):
 *
 * 1. saturation: 4 closed-loop writers, 1,000 subscribers — the most deliveries/s. Its latency is
 *    queueing at saturation (every writer waits for its answer, so the loop runs as fast as the
 *    slowest part allows) and is reported, not judged;
 * 2. latency at the target rate: writes paced open-loop at 55/s to 1,000 subscribers (55,000
 *    deliveries/s), p99 judged against 50 ms;
 * 3. one subscriber: writes paced at 200/s, p99 judged against 5 ms.
 *
 * Latency is from the write's *scheduled* send time (open loop: a late send counts against the
 * server, no coordinated omission) to the subscriber's receipt of the event, so it includes the
 * HTTP request, the durable commit (fsync), the fan-out and the socket write — an upper bound of
 * commit → delivery. The client matches frames on their bytes (no JSON parse, no regex over the
 * frame) so that its own event loop distorts the numbers as little as possible.
 */
import process from 'node:process';
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { setTimeout, clearTimeout } from 'node:timers';
import { Histogram } from '../lib/histogram.js';
import { ProcSampler } from '../lib/proc-stats.js';
import { openWs, probeWs } from '../lib/ws-load.js';
import { sleep } from '../lib/context.js';

const WRITERS = 4;
const ms = (v) => (v === undefined || v === null ? '—' : v.toFixed(v < 10 ? 2 : 1));
const PACED_RATE = 55;
const SINGLE_RATE = 200;
const PATH_MARK = Buffer.from('"path":"/features/f/properties/value"');
const VALUE_MARK = Buffer.from('"value":');

/** The sequence number in a delivered event frame, or undefined when the frame is something else. */
export function sequenceOf(data) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (buf.indexOf(PATH_MARK) < 0) return undefined;
  let i = buf.indexOf(VALUE_MARK);
  if (i < 0) return undefined;
  i += VALUE_MARK.length;
  let n = 0;
  let digits = 0;
  for (; i < buf.length; i++) {
    const c = buf[i];
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits > 0 ? n : undefined;
}

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

/** Deliveries of the subscribers' sockets matched to the writes' start times. */
class Receipts {
  constructor(sockets) {
    this.sent = new Map();
    this.hist = new Histogram();
    this.measuring = false;
    this.deliveries = 0;
    this.sockets = sockets;
    this.listener = (data) => {
      const t1 = process.hrtime.bigint();
      const seq = sequenceOf(data);
      if (seq === undefined) return;
      const t0 = this.sent.get(seq);
      if (t0 === undefined) return;
      this.deliveries += 1;
      if (this.measuring) this.hist.record(Number(t1 - t0));
    };
    for (const ws of sockets) ws.on('message', this.listener);
  }

  detach() {
    for (const ws of this.sockets) ws.off('message', this.listener);
  }
}

/** Closed loop: WRITERS connections, each writing again as soon as it is answered. */
async function saturate(ctx, server, receipts, namespace, count, seqBase) {
  let atStart = 0;
  let atEnd = 0;
  let windowStart = 0n;
  let windowEnd = 0n;
  const result = ctx.check(
    await ctx.load(server, {
      connections: WRITERS,
      request: (i) => {
        const seq = seqBase + i;
        receipts.sent.set(seq, process.hrtime.bigint());
        return {
          method: 'PUT',
          path: `/api/2/things/${namespace}:twin-${seq % count}/features/f/properties/value`,
          body: String(seq),
        };
      },
      onMeasureStart: () => {
        receipts.measuring = true;
        atStart = receipts.deliveries;
        windowStart = process.hrtime.bigint();
      },
      onMeasureEnd: () => {
        receipts.measuring = false;
        atEnd = receipts.deliveries;
        windowEnd = process.hrtime.bigint();
      },
    }),
    'fan-out writers',
  );
  return { result, deliveries: atEnd - atStart, seconds: Number(windowEnd - windowStart) / 1e9 };
}

/**
 * Open loop: a write every 1/rate s on its schedule, whatever the answers do (keep-alive
 * connections as needed). Latency counts from the scheduled time.
 */
async function paced(ctx, server, receipts, namespace, count, seqBase, rate) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const auth = ctx.authHeaders;
  const warmupNs = BigInt(ctx.sizes.warmupMs) * 1_000_000n;
  const durationNs = BigInt(ctx.sizes.durationMs) * 1_000_000n;
  const periodNs = BigInt(Math.round(1e9 / rate));
  const sampler = new ProcSampler(server.pid);
  const answers = new Histogram();
  let errors = 0;
  let statuses = {};
  let i = 0;
  let inFlight = 0;
  let atStart = 0;
  let atEnd = 0;
  let windowStartUs = 0;
  const start = process.hrtime.bigint();
  const measureFrom = start + warmupNs;
  const measureTo = measureFrom + durationNs;
  let measured = false;
  const write = (seq, scheduled) => {
    receipts.sent.set(seq, scheduled);
    inFlight++;
    const body = String(seq);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        agent,
        method: 'PUT',
        path: `/api/2/things/${namespace}:twin-${seq % count}/features/f/properties/value`,
        headers: { ...auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode >= 300) errors++;
        res.resume();
        res.on('end', () => {
          inFlight--;
          if (receipts.measuring) answers.record(Number(process.hrtime.bigint() - scheduled));
        });
      },
    );
    req.on('error', () => {
      errors++;
      inFlight--;
    });
    req.end(body);
  };
  await new Promise((resolve) => {
    const tick = () => {
      const now = process.hrtime.bigint();
      if (!measured && now >= measureFrom) {
        measured = true;
        receipts.measuring = true;
        atStart = receipts.deliveries;
        windowStartUs = Number(now / 1000n);
        sampler.start();
      }
      if (now >= measureTo) {
        receipts.measuring = false;
        atEnd = receipts.deliveries;
        server.windows.push({
          scenario: ctx.scenario,
          startUs: windowStartUs,
          endUs: Number(now / 1000n),
        });
        resolve();
        return;
      }
      // Every write whose time has come (a late timer sends the missed ones at once).
      for (let t = start + BigInt(i) * periodNs; t <= now; t = start + BigInt(i) * periodNs) {
        if (!measured || t < measureTo) write(seqBase + i, t);
        i++;
      }
      const next = start + BigInt(i) * periodNs;
      setTimeout(tick, Math.max(0, Number(next - process.hrtime.bigint()) / 1e6));
    };
    tick();
  });
  const proc = sampler.stop();
  for (let w = 0; inFlight > 0 && w < 100; w++) await sleep(50);
  agent.destroy();
  if (errors > 0) throw new Error(`paced writers: ${errors} failed request(s) (${JSON.stringify(statuses)})`);
  const seconds = Number(durationNs) / 1e9;
  return { proc, deliveries: atEnd - atStart, seconds, writes: i, answers: answers.summaryMs() };
}

/** All three measurements against one server (Egiz or the baseline). */
async function fanout(ctx, server, wsUrl, namespace, count) {
  const n = ctx.sizes.subscribers;
  const sockets = await subscribe(wsUrl, ctx.authHeaders, n);
  const out = {};

  let receipts = new Receipts(sockets);
  const sat = await saturate(ctx, server, receipts, namespace, count, 0);
  await sleep(1000); // late deliveries still count towards completeness
  const satExpected = receipts.sent.size * n;
  out.saturation = {
    throughput: sat.deliveries / sat.seconds,
    latency: receipts.hist.summaryMs(),
    requests: receipts.hist.count,
    errors: 0,
    seconds: sat.seconds,
    proc: sat.result.proc,
    writes: sat.result.throughput,
    missing: satExpected - receipts.deliveries,
    expected: satExpected,
  };
  receipts.detach();

  receipts = new Receipts(sockets);
  const p = await paced(ctx, server, receipts, namespace, count, 10_000_000, PACED_RATE);
  await sleep(1000);
  const pacedExpected = receipts.sent.size * n;
  out.paced = {
    throughput: p.deliveries / p.seconds,
    latency: receipts.hist.summaryMs(),
    requests: receipts.hist.count,
    errors: 0,
    seconds: p.seconds,
    proc: p.proc,
    missing: pacedExpected - receipts.deliveries,
    expected: pacedExpected,
    answers: p.answers,
  };
  receipts.detach();

  for (const ws of sockets.slice(1)) ws.terminate();
  await sleep(500);
  receipts = new Receipts(sockets.slice(0, 1));
  const one = await paced(ctx, server, receipts, namespace, count, 20_000_000, SINGLE_RATE);
  await sleep(500);
  out.single = {
    throughput: one.deliveries / one.seconds,
    latency: receipts.hist.summaryMs(),
    requests: receipts.hist.count,
    errors: 0,
    seconds: one.seconds,
    proc: one.proc,
    missing: receipts.sent.size - receipts.deliveries,
    expected: receipts.sent.size,
    answers: one.answers,
  };
  receipts.detach();
  sockets[0]?.terminate();
  return out;
}

export default {
  id: 'fanout',
  title: 'Event fan-out to WebSocket subscribers',
  order: 70,
  uses: ['egiz-rest'],
  targetText: '≥ 50,000 deliveries/s, p99 < 50 ms; one subscriber p99 < 5 ms',
  async run(ctx) {
    const available = await ctx.probe((server) =>
      probeWs(`ws://127.0.0.1:${server.port}/ws/2`, ctx.authHeaders),
    );
    const n = ctx.sizes.subscribers;
    const subs = n.toLocaleString('en-US');
    const rows = [
      {
        key: 'saturation',
        name: `Event fan-out to ${subs} WS subscribers, saturated (${WRITERS} closed-loop REST writers), deliveries`,
        targets: [{ what: 'measured', op: '>=', value: 50000, text: '≥ 50,000/s' }],
        notes: (r) =>
          `${Math.round(r.writes)} writes/s; latency (write start → delivery) is queueing at saturation, not judged; ` +
          `${r.missing} of ${r.expected} deliveries missing 1 s after the end.`,
      },
      {
        key: 'paced',
        name: `Event fan-out to ${subs} WS subscribers at ${PACED_RATE} writes/s (open loop), deliveries`,
        targets: [
          { what: 'measured', op: '>=', value: 50000, text: '≥ 50,000/s' },
          { what: 'p99', op: '<', value: 50, text: 'p99 < 50 ms' },
        ],
        notes: (r) =>
          `latency from each write's scheduled start to each delivery (HTTP request, durable commit, fan-out, socket); ` +
          `the writes' own answers took p50 ${ms(r.answers.p50)} / p99 ${ms(r.answers.p99)} ms; ` +
          `${r.missing} of ${r.expected} deliveries missing 1 s after the end.`,
      },
      {
        key: 'single',
        name: `Event delivery to 1 WS subscriber at ${SINGLE_RATE} writes/s (open loop), deliveries`,
        targets: [{ what: 'p99', op: '<', value: 5, text: 'p99 < 5 ms' }],
        notes: (r) =>
          `latency from each write's scheduled start to its delivery; the writes' own answers took ` +
          `p50 ${ms(r.answers.p50)} / p99 ${ms(r.answers.p99)} ms; ${r.missing} of ${r.expected} deliveries missing.`,
      },
    ];

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
      u.rows = rows.map((r) => {
        const row = ctx.loadRow({
          name: r.name,
          result: baseline[r.key],
          baseline: baseline[r.key],
          baselineName: 'raw ws broadcast',
          targets: r.targets,
        });
        return Object.assign(row, {
          measured: null,
          ratio: null,
          verdict: 'n/a',
          server: undefined,
          client: undefined,
          latency: undefined,
        });
      });
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
    return rows.map((r) =>
      ctx.loadRow({
        name: r.name,
        result: result[r.key],
        baseline: baseline[r.key],
        baselineName: 'raw ws broadcast',
        targets: r.targets,
        notes: r.notes(result[r.key]),
      }),
    );
  },
};
