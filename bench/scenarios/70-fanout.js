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
 *    deliveries/s), commit → delivery p99 judged against 50 ms;
 * 3. one subscriber: writes paced at 200/s, commit → delivery p99 judged against 5 ms.
 *
 * The judged latency is what the target defines, commit → delivery, measured by Egiz itself: the
 * histogram `egiz_realtime_commit_to_delivery_seconds{stage="written"}` (from the moment the store
 * reported the event's batch durable until the socket writes of the event-loop turn that handed the
 * event to its subscribers were issued, one observation per event), scraped from /metrics before and
 * after each measured window; its quantiles are the upper bounds of their buckets (the true value
 * is at most that), the linear interpolation of Prometheus' histogram_quantile is noted beside.
 *
 * Reported too, never hidden: the client's end-to-end latency, from the write's *scheduled* send
 * time (open loop: a late send counts against the server, no coordinated omission) to the
 * subscriber's receipt of the event — HTTP request, durable commit (fsync), fan-out, socket and the
 * generator's own receive path — and the writes' own answer times. The baseline (no commit) has
 * only the client's figure. The subscribers live in worker threads (bench/lib/ws-subscribers.js)
 * and match frames on their bytes (no JSON parse, no regex over the frame), so that the
 * generator's own event loop distorts the numbers as little as possible; the same generator
 * measures the baseline.
 */
import process from 'node:process';
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { setTimeout } from 'node:timers';
import { Histogram } from '../lib/histogram.js';
import { ProcSampler } from '../lib/proc-stats.js';
import { histogramDelta, scrapeHistograms, summaryMs } from '../lib/prom-histogram.js';
import { probeWs } from '../lib/ws-load.js';
import { SubscriberPool } from '../lib/ws-subscribers.js';
import { sleep } from '../lib/context.js';

const WRITERS = 4;
const ms = (v) => (v === undefined || v === null ? '—' : v.toFixed(v < 10 ? 2 : 1));
const PACED_RATE = 55;
const SINGLE_RATE = 200;
/** Threads receiving the subscribers' frames (the load generator's main thread only writes and counts). */
const SUBSCRIBER_THREADS = 2;
const COMMIT_TO_DELIVERY = 'egiz_realtime_commit_to_delivery_seconds';
const STAGES = { first: { stage: 'first' }, last: { stage: 'last' }, written: { stage: 'written' } };

/**
 * Egiz's commit → delivery histograms over one measured window: scraped when the window starts
 * (`start()`, not awaited by the load) and after its deliveries settled (`end()`).
 */
class ServerLatency {
  constructor(port) {
    this.port = port;
    this.before = undefined;
  }

  start() {
    this.before = scrapeHistograms(this.port, COMMIT_TO_DELIVERY, STAGES);
    // Surfaces in end(); never an unhandled rejection of the load loop.
    this.before.catch(() => {});
  }

  /** Per stage, the summary (ms, bucket upper bounds) of what was observed in the window. */
  async end() {
    if (!this.before) throw new Error('commit → delivery: the window was never started');
    const before = await this.before;
    const after = await scrapeHistograms(this.port, COMMIT_TO_DELIVERY, STAGES);
    const out = {};
    for (const key of Object.keys(STAGES)) {
      if (!after[key]) throw new Error(`/metrics has no ${COMMIT_TO_DELIVERY}{stage="${key}"}`);
      out[key] = summaryMs(histogramDelta(after[key], before[key]));
    }
    return out;
  }
}

/**
 * Deliveries matched to the writes' start times. Receipts arrive from the subscriber threads a few
 * milliseconds after they happened, so the measured window is applied to their receive times.
 */
class Receipts {
  constructor() {
    this.sent = new Map();
    this.hist = new Histogram();
    this.deliveries = 0;
    this.inWindow = 0;
    this.windowStart = undefined;
    this.windowEnd = undefined;
  }

  record(seq, t1) {
    const t0 = this.sent.get(seq);
    if (t0 === undefined) return;
    this.deliveries += 1;
    if (this.windowStart === undefined || t1 < this.windowStart) return;
    if (this.windowEnd !== undefined && t1 > this.windowEnd) return;
    this.inWindow += 1;
    this.hist.record(Number(t1 - t0));
  }
}

/** Closed loop: WRITERS connections, each writing again as soon as it is answered. */
async function saturate(ctx, server, receipts, namespace, count, seqBase, serverLatency) {
  const result = ctx.check(
    await ctx.load(server, {
      connections: WRITERS,
      // Each row's windows apart, so that --profile summarises them one by one.
      windowLabel: `${ctx.scenario}:saturation`,
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
        receipts.windowStart = process.hrtime.bigint();
        serverLatency?.start();
      },
      onMeasureEnd: () => {
        receipts.windowEnd = process.hrtime.bigint();
      },
    }),
    'fan-out writers',
  );
  return { result, seconds: Number(receipts.windowEnd - receipts.windowStart) / 1e9 };
}

/**
 * Open loop: a write every 1/rate s on its schedule, whatever the answers do (keep-alive
 * connections as needed). Latency counts from the scheduled time.
 */
async function paced(ctx, server, receipts, { namespace, count, seqBase, rate, serverLatency, label }) {
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
          if (scheduled >= measureFrom && scheduled < measureTo)
            answers.record(Number(process.hrtime.bigint() - scheduled));
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
        receipts.windowStart = now;
        windowStartUs = Number(now / 1000n);
        sampler.start();
        serverLatency?.start();
      }
      if (now >= measureTo) {
        receipts.windowEnd = now;
        server.windows.push({
          scenario: `${ctx.scenario}:${label}`,
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
  return { proc, seconds, writes: i, answers: answers.summaryMs() };
}

/**
 * The latency figures of one row: for Egiz the judged `latency` is commit → delivery from its own
 * histogram (stage `written`), with the client's end-to-end figure beside it; the baseline has no
 * commit, so its `latency` is the client's.
 */
async function latencies(receipts, serverLatency) {
  const endToEnd = receipts.hist.summaryMs();
  if (!serverLatency) return { latency: endToEnd, endToEnd };
  const commitToDelivery = await serverLatency.end();
  return { latency: commitToDelivery.written, endToEnd, commitToDelivery };
}

/**
 * All three measurements against one server (Egiz or the baseline); `metrics`: the server exposes
 * Egiz's commit → delivery histogram on /metrics.
 */
async function fanout(ctx, server, wsUrl, namespace, count, metrics) {
  const n = ctx.sizes.subscribers;
  let receipts = new Receipts();
  const pool = await SubscriberPool.open({
    url: wsUrl,
    headers: ctx.authHeaders,
    count: n,
    threads: SUBSCRIBER_THREADS,
    onReceipt: (seq, t1) => receipts.record(seq, t1),
  });
  const out = {};
  const window = () => (metrics ? new ServerLatency(server.port) : undefined);
  // The quick mode (100 subscribers, errors only) waits less for late deliveries.
  const pause = (ms) => (ctx.opts.quick ? Math.min(ms, 300) : ms);
  const settle = async (ms) => {
    await sleep(pause(ms)); // late deliveries still count towards completeness
    await pool.flush();
  };
  try {
    let serverLatency = window();
    const sat = await saturate(ctx, server, receipts, namespace, count, 0, serverLatency);
    await settle(1000);
    out.saturation = {
      throughput: receipts.inWindow / sat.seconds,
      ...(await latencies(receipts, serverLatency)),
      requests: receipts.hist.count,
      errors: 0,
      seconds: sat.seconds,
      proc: sat.result.proc,
      writes: sat.result.throughput,
      answers: sat.result.latency,
      missing: receipts.sent.size * n - receipts.deliveries,
      expected: receipts.sent.size * n,
    };

    receipts = new Receipts();
    serverLatency = window();
    const p = await paced(ctx, server, receipts, {
      namespace,
      count,
      seqBase: 10_000_000,
      rate: PACED_RATE,
      serverLatency,
      label: 'paced',
    });
    await settle(1000);
    out.paced = await pacedResult(p, receipts, serverLatency, n);

    await pool.keep(1);
    await sleep(pause(500));
    receipts = new Receipts();
    serverLatency = window();
    const one = await paced(ctx, server, receipts, {
      namespace,
      count,
      seqBase: 20_000_000,
      rate: SINGLE_RATE,
      serverLatency,
      label: 'single',
    });
    await settle(500);
    out.single = await pacedResult(one, receipts, serverLatency, 1);
  } finally {
    await pool.close();
  }
  return out;
}

/** The row data of a paced run whose writes each went to `subscribers` sessions. */
async function pacedResult(run, receipts, serverLatency, subscribers) {
  return {
    throughput: receipts.inWindow / run.seconds,
    ...(await latencies(receipts, serverLatency)),
    requests: receipts.hist.count,
    errors: 0,
    seconds: run.seconds,
    proc: run.proc,
    missing: receipts.sent.size * subscribers - receipts.deliveries,
    expected: receipts.sent.size * subscribers,
    answers: run.answers,
  };
}

export default {
  id: 'fanout',
  title: 'Event fan-out to WebSocket subscribers',
  order: 70,
  uses: ['egiz-rest'],
  targetText: '≥ 50,000 deliveries/s, commit → delivery p99 < 50 ms; one subscriber p99 < 5 ms',
  async run(ctx) {
    const available = await ctx.probe((server) =>
      probeWs(`ws://127.0.0.1:${server.port}/ws/2`, ctx.authHeaders),
    );
    const n = ctx.sizes.subscribers;
    const subs = n.toLocaleString('en-US');
    const c2d =
      'commit → delivery (Egiz\'s histogram, stage "written": durable commit → socket writes issued; ' +
      'bucket upper bounds, the true value is at most that)';
    const detail = (r) => {
      const c = r.commitToDelivery;
      const e = r.endToEnd;
      return (
        `${c2d} p50 ${ms(c.written.p50)} / p99 ${ms(c.written.p99)} ms (interpolated ` +
        `${ms(c.written.interpolated.p50)} / ${ms(c.written.interpolated.p99)} ms; handed to the first / last ` +
        `subscriber p99 ${ms(c.first.p99)} / ${ms(c.last.p99)} ms; ${c.written.count} events); ` +
        `end to end (client: write start → receipt, incl. HTTP and fsync) p50 ${ms(e.p50)} / p99 ${ms(e.p99)} / ` +
        `max ${ms(e.max)} ms; the writes' own answers took p50 ${ms(r.answers.p50)} / p99 ${ms(r.answers.p99)} ms`
      );
    };
    const rows = [
      {
        key: 'saturation',
        name: `Event fan-out to ${subs} WS subscribers, saturated (${WRITERS} closed-loop REST writers), deliveries`,
        targets: [{ what: 'measured', op: '>=', value: 50000, text: '≥ 50,000/s' }],
        notes: (r) =>
          `${Math.round(r.writes)} writes/s; latency is queueing at saturation, not judged: ${detail(r)}; ` +
          `${r.missing} of ${r.expected} deliveries missing 1 s after the end.`,
      },
      {
        key: 'paced',
        name: `Event fan-out to ${subs} WS subscribers at ${PACED_RATE} writes/s (open loop), deliveries`,
        targets: [
          { what: 'measured', op: '>=', value: 50000, text: '≥ 50,000/s' },
          { what: 'p99', op: '<', value: 50, text: 'commit → delivery p99 < 50 ms' },
        ],
        notes: (r) =>
          `p50 / p99 / max are ${detail(r)}; ${r.missing} of ${r.expected} deliveries missing 1 s after the end.`,
      },
      {
        key: 'single',
        name: `Event delivery to 1 WS subscriber at ${SINGLE_RATE} writes/s (open loop), deliveries`,
        targets: [{ what: 'p99', op: '<', value: 5, text: 'commit → delivery p99 < 5 ms' }],
        notes: (r) => `p50 / p99 / max are ${detail(r)}; ${r.missing} of ${r.expected} deliveries missing.`,
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
      false,
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
      true,
    );
    return rows.map((r) => {
      const m = result[r.key];
      const row = ctx.loadRow({
        name: r.name,
        result: m,
        baseline: baseline[r.key],
        baselineName: 'raw ws broadcast',
        targets: r.targets,
        notes: r.notes(m),
      });
      // `latency` is commit → delivery (judged); the other figures stay in the JSON.
      return Object.assign(row, {
        latencySource: `server: ${COMMIT_TO_DELIVERY}{stage="written"}, bucket upper bounds`,
        commitToDelivery: m.commitToDelivery,
        endToEnd: m.endToEnd,
        writeAnswers: m.answers,
      });
    });
  },
};
