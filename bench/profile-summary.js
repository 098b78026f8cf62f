#!/usr/bin/env node
/**
 * @module Summary of a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, their
 * inclusive time, and self time by package or file area, as text.
 *
 *   node bench/profile-summary.js [file.cpuprofile | dir] [--top N] [--scenario <id>] [--sort self|total]
 *
 * Without a file it takes the newest profile in bench/results/profiles/. With --scenario only the
 * samples inside that scenario's measured windows count (bench/run.js --profile writes them to
 * <profile>.windows.json), so that setup and idle phases do not blur the picture. Each sample's duration
 * is the time to the next sample (timeDeltas), so an uneven sampling interval does not skew shares.
 */
import process from 'node:process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function shortUrl(url) {
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(ROOT)) u = u.slice(ROOT.length);
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) u = u.slice(nm + 'node_modules/'.length);
  return u;
}

/** Where a frame belongs: an Egiz package, a dependency, Node itself, or a V8 pseudo-frame. */
function areaOf(frame) {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native: V8 builtins and C++ bindings)';
  if (url.startsWith('node:')) return 'node: internals';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 'node_modules/'.length).split('/');
    const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    // The workspace packages are linked into node_modules/@egiz.
    if (name?.startsWith('@egiz/')) return `${name}: ${rest.slice(2).slice(0, 2).join('/')}`;
    return `dep: ${name}`;
  }
  const m = /packages\/([^/]+)\/(?:dist|src)\/([^/]+)/.exec(u);
  if (m) return `@egiz/${m[1]}: ${m[2]}`;
  return shortUrl(url);
}

function keyOf(frame) {
  const name = frame.functionName || '(anonymous)';
  return frame.url ? `${name}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : name;
}

/**
 * @param {string} path a .cpuprofile file
 * @param {Array<[number, number]>} [windows] only samples inside these [start, end] intervals (µs of
 *   CLOCK_MONOTONIC, the clock of both the profile and process.hrtime), e.g. the measured windows
 * @returns {{ totalMs: number, busyMs: number, functions: Array<{ key: string, area: string, selfMs: number, totalMs: number }>, areas: Array<{ area: string, selfMs: number }> }}
 */
export function summarizeProfile(path, windows) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map();
  const parent = new Map();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const { samples = [], timeDeltas = [] } = profile;
  const self = new Map();
  const inclusive = new Map();
  const areas = new Map();
  const areaOfKey = new Map();
  let totalUs = 0;
  let idleUs = 0;
  const average = samples.length ? (profile.endTime - profile.startTime) / samples.length : 0;
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i] ?? 0;
    if (windows && !windows.some(([from, to]) => at >= from && at <= to)) continue;
    const dt = Math.max(0, timeDeltas[i + 1] ?? average);
    const node = byId.get(samples[i]);
    if (!node) continue;
    totalUs += dt;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += dt;
      continue;
    }
    const key = keyOf(frame);
    self.set(key, (self.get(key) ?? 0) + dt);
    const area = areaOf(frame);
    areaOfKey.set(key, area);
    areas.set(area, (areas.get(area) ?? 0) + dt);
    const seen = new Set();
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)?.callFrame;
      if (!f || f.functionName === '(root)') continue;
      const k = keyOf(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
      if (!areaOfKey.has(k)) areaOfKey.set(k, areaOf(f));
    }
  }
  const ms = (us) => us / 1000;
  const functions = [...inclusive.keys()]
    .map((key) => ({
      key,
      area: areaOfKey.get(key) ?? '',
      selfMs: ms(self.get(key) ?? 0),
      totalMs: ms(inclusive.get(key) ?? 0),
    }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return {
    totalMs: ms(totalUs),
    busyMs: ms(totalUs - idleUs),
    functions,
    areas: [...areas.entries()]
      .map(([area, us]) => ({ area, selfMs: ms(us) }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

/** Text report: shares are of the busy (non-idle) time; `sort` 'total' ranks by inclusive time. */
export function formatSummary(summary, top = 30, sort = 'self') {
  const pct = (x) => `${((x / summary.busyMs) * 100).toFixed(1).padStart(5)} %`;
  const lines = [
    `sampled ${(summary.totalMs / 1000).toFixed(1)} s, busy ${(summary.busyMs / 1000).toFixed(1)} s ` +
      `(${((summary.busyMs / summary.totalMs) * 100).toFixed(0)} %); shares are of the busy time`,
    '',
    `  self     total    function (file:line)`,
  ];
  const ranked =
    sort === 'total' ? [...summary.functions].sort((a, b) => b.totalMs - a.totalMs) : summary.functions;
  for (const f of ranked.slice(0, top)) lines.push(`${pct(f.selfMs)}  ${pct(f.totalMs)}  ${f.key}`);
  lines.push('', '  self     area');
  for (const a of summary.areas.slice(0, 20)) lines.push(`${pct(a.selfMs)}  ${a.area}`);
  return lines.join('\n');
}

function newestProfile(dir) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  if (!files[0]) throw new Error(`no .cpuprofile in ${dir}`);
  return join(dir, files[0].f);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '30' },
      scenario: { type: 'string' },
      sort: { type: 'string', default: 'self' },
    },
  });
  let target = positionals[0] ?? join(ROOT, 'bench/results/profiles');
  if (statSync(target).isDirectory()) target = newestProfile(target);
  // The runner leaves the measured windows of each scenario next to the profile.
  const sidecar = target.replace(/\.cpuprofile$/, '.windows.json');
  const windows = existsSync(sidecar) ? JSON.parse(readFileSync(sidecar, 'utf8')) : [];
  const chosen = values.scenario ? windows.filter((w) => w.scenario === values.scenario) : [];
  if (values.scenario && chosen.length === 0)
    throw new Error(`no measured window of ${values.scenario} in ${sidecar}`);
  const summary = summarizeProfile(
    target,
    chosen.length ? chosen.map((w) => [w.startUs, w.endUs]) : undefined,
  );
  process.stdout.write(
    `${target}${values.scenario ? ` (measured windows of ${values.scenario})` : ' (whole run)'}\n` +
      `${formatSummary(summary, Number(values.top), values.sort)}\n`,
  );
}
