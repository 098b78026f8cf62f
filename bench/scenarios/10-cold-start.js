/**
 * @module Scenario: cold start of Egiz on an empty store (spawn -> first 200 from /ready, median of
 * several starts) and its idle RSS; the same for the baseline server, whose start is the floor of
 * "node + Fastify + better-sqlite3".
 */
import { coldStart, median } from '../lib/cold-start.js';
import { verdictOf } from '../lib/report.js';
import { baselineProcess, egizProcess } from '../lib/servers.js';

const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function series(ctx, label, make) {
  const runs = [];
  for (let i = 0; i < ctx.sizes.coldRuns; i++) {
    const run = await coldStart((port) => {
      const server = make(port, ctx.tmpDir(label));
      ctx.servers.add(server);
      return server;
    }, ctx.sizes.idleMs);
    await ctx.stop(run.server);
    runs.push(run);
  }
  return {
    readyMs: median(runs.map((r) => r.readyMs)),
    bannerMs: median(runs.map((r) => r.bannerMs)),
    idleRssMb: median(runs.map((r) => r.idleRssMb ?? 0)),
    all: runs.map((r) => round(r.readyMs)),
  };
}

export default {
  id: 'cold-start',
  title: 'Cold start to /ready and idle RSS',
  order: 10,
  async run(ctx) {
    ctx.log(`${ctx.sizes.coldRuns} cold starts of Egiz and of the baseline`);
    const verbose = ctx.opts.verbose;
    const egiz = await series(ctx, 'cold', (port, dataDir) =>
      egizProcess({ dataDir, port, verbose, env: ctx.opts.egizEnv }),
    );
    const base = await series(ctx, 'cold-base', (port, dataDir) =>
      baselineProcess('sqlite-http', { dataDir, port, verbose }),
    );
    const start = {
      name: `Cold start to /ready, empty store (median of ${ctx.sizes.coldRuns})`,
      unit: 'ms',
      measured: round(egiz.readyMs),
      baseline: { name: 'bare Fastify + better-sqlite3', measured: round(base.readyMs) },
      ratio: round(egiz.readyMs / base.readyMs, 2),
      targets: [{ what: 'measured', op: '<=', value: 1000, text: '≤ 1 s' }],
      notes:
        `spawn -> first 200 from GET /ready; all runs ${egiz.all.join(', ')} ms; banner printed at ${round(egiz.bannerMs)} ms. ` +
        `Baseline runs ${base.all.join(', ')} ms.`,
    };
    const rss = {
      name: `Idle RSS after start (${ctx.sizes.idleMs} ms idle)`,
      unit: 'MB',
      measured: round(egiz.idleRssMb),
      baseline: { name: 'bare Fastify + better-sqlite3', measured: round(base.idleRssMb) },
      ratio: round(egiz.idleRssMb / base.idleRssMb, 2),
      targets: [{ what: 'measured', op: '<=', value: 150, text: '≤ 150 MB' }],
    };
    for (const row of [start, rss]) row.verdict = verdictOf(row);
    return [start, rss];
  },
};
