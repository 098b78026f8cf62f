/**
 * @module Scenario: bulk creation of many twins (PUT of a typical device twin, closed loop), then
 * disk bytes per twin once Egiz has stopped and the WAL is checkpointed (split by dbstat into state,
 * search index and journal), then a cold start on that store. The store is handed on as the
 * 'egiz-bulk' fixture for the search scenarios.
 */
import { Buffer } from 'node:buffer';
import { coldStart, median } from '../lib/cold-start.js';
import { directoryBytes, measureStore } from '../lib/disk-usage.js';
import { NAMESPACES } from '../lib/fixtures.js';
import { verdictOf } from '../lib/report.js';
import { egizProcess } from '../lib/servers.js';
import { twinBody } from '../lib/twins.js';

const round = (x, d = 0) => Math.round(x * 10 ** d) / 10 ** d;
const kb = (bytes) => `${round(bytes / 1024, 1)} KiB`;

export default {
  id: 'bulk-create',
  title: 'Bulk creation, disk per twin, cold start with data',
  order: 40,
  uses: ['egiz-bulk'],
  async run(ctx) {
    const count = ctx.sizes.bulkTwins;
    const label = count.toLocaleString('en-US');
    const dataDir = ctx.tmpDir('bulk');

    const egiz = await ctx.startEgiz({ dataDir, label: 'bulk' });
    ctx.log(`Egiz: creating ${label} twins`);
    const result = ctx.check(await ctx.populate(egiz, NAMESPACES.bulk, count), 'Egiz bulk creation');
    const live = directoryBytes(dataDir);
    await ctx.stop(egiz);
    const disk = measureStore(dataDir);

    ctx.log(`baseline: creating ${label} twins`);
    const baseDir = ctx.tmpDir('bulk-base');
    const base = await ctx.startBaseline('sqlite-http', { dataDir: baseDir });
    const baseline = ctx.check(await ctx.populate(base, NAMESPACES.bulk, count), 'baseline bulk creation');
    await ctx.stop(base);
    const baseDisk = measureStore(baseDir, 'baseline.sqlite');

    ctx.log(`Egiz: ${ctx.sizes.restartRuns} cold start(s) on the store with ${label} twins`);
    const starts = [];
    let kept;
    for (let i = 0; i < ctx.sizes.restartRuns; i++) {
      const run = await coldStart((port) => {
        const server = egizProcess({ dataDir, port, verbose: ctx.opts.verbose, env: ctx.opts.egizEnv });
        ctx.servers.add(server);
        return server;
      }, ctx.sizes.idleMs);
      starts.push(run);
      if (i < ctx.sizes.restartRuns - 1) await ctx.stop(run.server);
      else kept = run.server;
    }
    ctx.provide('egiz-bulk', { server: kept, count, namespace: NAMESPACES.bulk });

    const total = disk.afterCheckpoint.total;
    const journal = disk.groups.journal ?? 0;
    const breakdown = Object.entries(disk.groups)
      .sort((a, b) => b[1] - a[1])
      .map(([group, bytes]) => `${group} ${round(bytes / count)} B`)
      .join(', ');
    const rows = [
      ctx.loadRow({
        name: `Bulk creation of ${label} twins (PUT, c=${ctx.opts.connections})`,
        result,
        baseline,
        baselineName: 'Fastify + 1 SQLite upsert/request',
        notes:
          `each PUT sends a ${Buffer.byteLength(JSON.stringify(twinBody(count - 1)))}-byte twin; Egiz also creates its ` +
          `default policy and journals both; server RSS at the end ${result.proc.rssEndMb} MB.`,
      }),
      {
        name: `Disk per twin at ${label}: everything but the journal`,
        unit: 'B/twin',
        measured: round((total - journal) / count),
        baseline: {
          name: 'baseline table (JSON column, no history)',
          measured: round(baseDisk.afterCheckpoint.total / count),
        },
        ratio: round((total - journal) / baseDisk.afterCheckpoint.total, 2),
        targets: [{ what: 'measured', op: '<=', value: 2048, text: '≤ 2 KB' }],
        notes:
          `store file after graceful stop + wal_checkpoint(TRUNCATE): ${kb(total)} for ${label} twins ` +
          `(${kb(live.total)} while running, WAL included); split by ${disk.method}: ${breakdown} per twin.`,
      },
      {
        name: `Disk per twin at ${label}: journal`,
        unit: 'B/twin',
        measured: round(journal / count),
        notes: `the event journal (twin and policy creation events), ${kb(journal)} in all; reported apart as the target allows.`,
      },
      {
        name: `Cold start to /ready with ${label} twins${starts.length > 1 ? ` (median of ${starts.length})` : ''}`,
        unit: 'ms',
        measured: round(median(starts.map((s) => s.readyMs)), 1),
        targets: [{ what: 'measured', op: '<=', value: 1000, text: '≤ 1 s' }],
        notes: `idle RSS after this start ${round(median(starts.map((s) => s.idleRssMb ?? 0)), 1)} MB.`,
      },
    ];
    for (const row of rows.slice(1)) row.verdict = verdictOf(row);
    return rows;
  },
};
