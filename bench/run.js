#!/usr/bin/env node
/**
 * @module The benchmark runner (`npm run bench [-- options]`): loads the scenario plugins in
 * bench/scenarios/, runs them against Egiz and the baselines as child processes on this machine,
 * and writes bench/results/<name>.json and .md (latest for a full run). Exit code 1 when a scenario
 * failed (a non-2xx answer, a crash, a server that did not stop cleanly); never for a missed target.
 *
 * A scenario plugin is a module whose default export is
 *   { id, title, order, uses?: fixture keys, targetText?, run(ctx) -> rows }
 * and throws ctx.unavailable(reason) when Egiz lacks the feature (reported, never faked).
 */
import process from 'node:process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import { parseArgs } from 'node:util';
import { BenchContext, Unavailable, sleep } from './lib/context.js';
import { FIXTURES } from './lib/fixtures.js';
import { machineInfo } from './lib/machine.js';
import { machineBusySeconds } from './lib/proc-stats.js';
import { markdownReport } from './lib/report.js';
import { EGIZ_MAIN } from './lib/servers.js';
import { summarizeProfile, formatSummary } from './profile-summary.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');

const HELP = `Usage: npm run bench -- [options]

  --quick              small sizes and short runs (< 60 s), for CI: fails only on errors
  --large              bulk creation (and search) at 1,000,000 twins instead of 100,000
  --only <ids>         comma-separated scenario ids (or prefixes): cold-start, rest-modify,
                       rest-get, policy-size, bulk-create, search, ws-modify, fanout
  --profile            run Egiz under --cpu-prof (profiles in bench/results/profiles/) and
                       print the top self-time functions when it stops
  --duration <s>       measured seconds per load run (default 10, quick 1)
  --warmup <s>         unmeasured warm-up seconds before each (default 2, quick 0.3)
  --connections <n>    closed-loop connections (default 64)
  --client raw|http    load client: raw sockets (default) or node:http with a keep-alive Agent
  --out <name>         results file name (default: latest; quick; partial with --only)
  --data-root <dir>    where the temporary stores go (default: the OS temp dir)
  --keep               keep the temporary stores
  --env EGIZ_X=value   extra configuration of every Egiz started (repeatable), for experiments
                       such as --env EGIZ_SQLITE_SYNCHRONOUS=NORMAL
  --node-arg <flag>    extra Node.js/V8 flag of every Egiz started (repeatable), for experiments
                       such as --node-arg=--max-semi-space-size=4
  --wait-quiet <s>     on a shared machine: before each scenario, wait (up to s seconds) until
                       other processes use less than 20 % of a core
  --verbose            echo the servers' output
`;

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      large: { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      client: { type: 'string', default: 'raw' },
      out: { type: 'string' },
      'data-root': { type: 'string' },
      keep: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      env: { type: 'string', multiple: true, default: [] },
      'node-arg': { type: 'string', multiple: true, default: [] },
      'wait-quiet': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (values.client !== 'raw' && values.client !== 'http') throw new Error('--client is raw or http');
  const num = (v, name) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const mode = values.quick ? 'quick' : values.large ? 'large' : 'full';
  const egizEnv = {};
  for (const pair of values.env) {
    const i = pair.indexOf('=');
    if (i <= 0 || !pair.startsWith('EGIZ_')) throw new Error(`--env takes EGIZ_NAME=value, got ${pair}`);
    egizEnv[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return {
    mode,
    quick: values.quick,
    large: values.large,
    only,
    profile: values.profile,
    durationS: num(values.duration, 'duration'),
    warmupS: values.warmup === undefined ? undefined : Number(values.warmup),
    connections: num(values.connections, 'connections') ?? 64,
    client: values.client,
    out:
      values.out ??
      (only || values.env.length || values['node-arg'].length
        ? 'partial'
        : values.quick
          ? 'quick'
          : 'latest'),
    dataRoot: values['data-root'] ?? os.tmpdir(),
    keep: values.keep,
    verbose: values.verbose,
    egizEnv,
    egizNodeArgs: values['node-arg'],
    waitQuietS: values['wait-quiet'] === undefined ? undefined : Number(values['wait-quiet']),
    runId: new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, ''),
    profileDir: join(RESULTS_DIR, 'profiles'),
  };
}

/** Sizes and durations of a mode; --duration and --warmup override the load runs. */
function sizesFor(opts) {
  const quick = {
    restTwins: 1000,
    bulkTwins: 2000,
    durationMs: 1000,
    warmupMs: 300,
    searchDurationMs: 1000,
    wsDurationMs: 1000,
    coldRuns: 2,
    restartRuns: 1,
    idleMs: 300,
    subscribers: 100,
  };
  const full = {
    restTwins: 10000,
    bulkTwins: opts.large ? 1000000 : 100000,
    durationMs: 10000,
    warmupMs: 2000,
    searchDurationMs: 5000,
    wsDurationMs: 5000,
    coldRuns: 7,
    restartRuns: 3,
    idleMs: 1000,
    subscribers: 1000,
  };
  const s = { ...(opts.quick ? quick : full) };
  if (opts.durationS !== undefined) {
    s.durationMs = opts.durationS * 1000;
    s.searchDurationMs = Math.min(s.searchDurationMs, s.durationMs);
    s.wsDurationMs = Math.min(s.wsDurationMs, s.durationMs);
  }
  if (opts.warmupS !== undefined) s.warmupMs = opts.warmupS * 1000;
  return s;
}

async function loadScenarios(only) {
  const dir = join(BENCH_DIR, 'scenarios');
  const files = readdirSync(dir)
    .filter((f) => /\.(m?js|ts)$/.test(f) && !f.endsWith('.d.ts'))
    .sort();
  const scenarios = [];
  for (const file of files) {
    if (file.endsWith('.ts') && !process.features.typescript) {
      process.stderr.write(`  skipping ${file}: this Node cannot load TypeScript; write scenarios in JS\n`);
      continue;
    }
    const mod = await import(pathToFileURL(join(dir, file)).href);
    const s = mod.default;
    if (!s?.id || typeof s.run !== 'function') throw new Error(`${file} does not export a scenario`);
    scenarios.push({ order: 1000, uses: [], ...s, file });
  }
  scenarios.sort((a, b) => a.order - b.order || a.file.localeCompare(b.file));
  if (!only) return scenarios;
  const chosen = scenarios.filter((s) => only.some((o) => s.id === o || s.id.startsWith(o)));
  const unknown = only.filter((o) => !scenarios.some((s) => s.id === o || s.id.startsWith(o)));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  return chosen;
}

async function main() {
  const opts = options();
  if (!existsSync(EGIZ_MAIN)) throw new Error(`${EGIZ_MAIN} is missing: run npm run build first`);
  const sizes = sizesFor(opts);
  const scenarios = await loadScenarios(opts.only);
  if (opts.profile) mkdirSync(opts.profileDir, { recursive: true });
  const ctx = new BenchContext(opts, sizes, FIXTURES);
  const machine = machineInfo(opts.dataRoot);
  const started = Date.now();
  process.stderr.write(
    `Egiz benchmark (${opts.mode}${opts.profile ? ', profiling' : ''}): ${scenarios.map((s) => s.id).join(', ')}\n`,
  );

  // A fixture is released after the last scenario that uses it.
  const lastUse = new Map();
  scenarios.forEach((s, i) => s.uses.forEach((key) => lastUse.set(key, i)));

  const results = [];
  for (const [i, s] of scenarios.entries()) {
    ctx.scenario = s.id;
    if (opts.waitQuietS) await waitQuiet(ctx, opts.waitQuietS);
    const t0 = Date.now();
    const entry = { id: s.id, title: s.title, ...(s.targetText ? { targetText: s.targetText } : {}) };
    try {
      entry.rows = await s.run(ctx);
      entry.status = 'ok';
    } catch (e) {
      if (e instanceof Unavailable) {
        entry.status = 'unavailable';
        entry.reason = e.message;
        entry.rows = e.rows ?? [];
        ctx.log(`not available yet: ${e.message}`);
      } else {
        entry.status = 'error';
        entry.reason = e instanceof Error ? e.message : String(e);
        entry.rows = [];
        ctx.log(`ERROR: ${entry.reason}`);
      }
    }
    entry.seconds = Math.round((Date.now() - t0) / 100) / 10;
    results.push(entry);
    for (const [key, last] of lastUse)
      if (last === i)
        await ctx.release(key).catch((e) => {
          entry.status = 'error';
          entry.reason = `stopping ${key}: ${e instanceof Error ? e.message : String(e)}`;
        });
  }
  ctx.scenario = '';
  const stopErrors = await ctx.cleanup();

  const doc = {
    date: new Date().toISOString(),
    mode: opts.mode,
    seconds: Math.round((Date.now() - started) / 1000),
    machine,
    settings: {
      connections: opts.connections,
      client: opts.client,
      durationMs: sizes.durationMs,
      warmupMs: sizes.warmupMs,
      sizes,
      profile: opts.profile,
      egizEnv: opts.egizEnv,
      egizNodeArgs: opts.egizNodeArgs,
    },
    scenarios: results,
    errors: stopErrors,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const md = markdownReport(doc);
  writeFileSync(join(RESULTS_DIR, `${opts.out}.json`), JSON.stringify(doc, null, 2) + '\n');
  writeFileSync(join(RESULTS_DIR, `${opts.out}.md`), md + '\n');
  if (opts.out === 'latest') appendHistory(doc);
  process.stdout.write(`\n${md}\n`);
  process.stdout.write(
    `Results: bench/results/${opts.out}.json, bench/results/${opts.out}.md (${doc.seconds} s)\n`,
  );

  if (opts.profile) for (const p of ctx.profiles) reportProfile(opts.profileDir, p.file, p.server.windows);

  const failed = results.filter((r) => r.status === 'error');
  for (const e of stopErrors) process.stderr.write(`ERROR: ${e}\n`);
  if (failed.length || stopErrors.length) {
    process.stderr.write(`FAILED: ${failed.map((f) => f.id).join(', ') || 'server shutdown'}\n`);
    process.exitCode = 1;
  }
}

/** Waits until the machine is quiet: less than 20 % of a core busy over 2 s (our servers idle). */
async function waitQuiet(ctx, maxSeconds) {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const before = machineBusySeconds();
    await sleep(2000);
    const busyPct = (((machineBusySeconds() ?? 0) - (before ?? 0)) / 2) * 100;
    if (busyPct < 20) return;
    if (Date.now() > deadline) {
      ctx.log(`machine still busy (${Math.round(busyPct)} % of a core), going on`);
      return;
    }
    ctx.log(`waiting for a quiet machine (${Math.round(busyPct)} % of a core busy)`);
  }
}

/**
 * Summaries of one profile: the whole run of the process, then each scenario's measured windows
 * (written to <profile>.windows.json for `node bench/profile-summary.js --scenario`).
 */
function reportProfile(dir, file, windows) {
  const path = join(dir, file);
  if (!existsSync(path)) {
    process.stderr.write(`  profile ${file} was not written (did the server stop cleanly?)\n`);
    return;
  }
  writeFileSync(path.replace(/\.cpuprofile$/, '.windows.json'), JSON.stringify(windows, null, 2) + '\n');
  const parts = [
    `Profile bench/results/profiles/${file}, whole run:\n${formatSummary(summarizeProfile(path), 15)}`,
  ];
  for (const scenario of new Set(windows.map((w) => w.scenario))) {
    const ranges = windows.filter((w) => w.scenario === scenario).map((w) => [w.startUs, w.endUs]);
    parts.push(`Measured windows of ${scenario}:\n${formatSummary(summarizeProfile(path, ranges), 30)}`);
  }
  const text = parts.join('\n\n');
  writeFileSync(path.replace(/\.cpuprofile$/, '.txt'), text + '\n');
  process.stdout.write(`\n${text}\n`);
}

/** One line per full run in bench/results/history.jsonl: the main value of every row. */
function appendHistory(doc) {
  const line = {
    date: doc.date,
    mode: doc.mode,
    git: doc.machine.git,
    cpu: `${doc.machine.cpuModel} x${doc.machine.cores}`,
    node: doc.machine.node,
    rows: doc.scenarios.flatMap((s) =>
      s.rows.map((r) => ({
        name: r.name,
        measured: r.measured,
        unit: r.unit,
        p99: r.latency?.p99,
        ratio: r.ratio,
        verdict: r.verdict,
      })),
    ),
  };
  appendFileSync(join(RESULTS_DIR, 'history.jsonl'), JSON.stringify(line) + '\n');
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
