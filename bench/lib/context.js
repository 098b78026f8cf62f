/**
 * @module What a scenario plugin gets: the options and sizes of the run, servers to start (Egiz and
 * baselines, all stopped at the end), shared fixtures (a populated server reused by the scenarios
 * that declare it in `uses`), and measured load runs that bundle throughput and latency with the
 * server's CPU and RSS over exactly the measured window.
 */
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { verdictOf } from './report.js';
import { httpOnce, runHttpLoad } from './http-load.js';
import { ProcSampler } from './proc-stats.js';
import { AUTH_HEADER, baselineProcess, egizProcess } from './servers.js';
import { thingPath, twinBody } from './twins.js';
import { runWsLoad } from './ws-load.js';

/** Thrown by a scenario whose feature Egiz does not have yet; the run reports it, never fakes it. */
export class Unavailable extends Error {
  name = 'Unavailable';
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (for the cold start, which must know the port before the banner). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export class BenchContext {
  /**
   * @param {object} opts parsed command line (see run.js)
   * @param {object} sizes sizes and durations of this mode
   * @param {Record<string, (ctx: BenchContext) => Promise<object>>} fixtureFactories
   */
  constructor(opts, sizes, fixtureFactories) {
    this.opts = opts;
    this.sizes = sizes;
    this.factories = fixtureFactories;
    this.fixtures = new Map();
    this.servers = new Set();
    this.dirs = [];
    this.profileCount = 0;
    /** Profiles written by this run, with the server whose measured windows they cover. */
    this.profiles = [];
    this.scenario = '';
    mkdirSync(opts.dataRoot, { recursive: true });
  }

  log(message) {
    process.stderr.write(`  ${this.scenario ? `[${this.scenario}] ` : ''}${message}\n`);
  }

  unavailable(reason) {
    return new Unavailable(reason);
  }

  /** A fresh, empty directory for a store (removed at the end unless --keep). */
  tmpDir(label) {
    const dir = mkdtempSync(join(this.opts.dataRoot, `egiz-bench-${label}-`));
    this.dirs.push(dir);
    return dir;
  }

  /**
   * Starts Egiz (resolves at its banner). With --profile the process runs under --cpu-prof unless
   * `profile: false`; the profile is written when it stops.
   * @param {{ dataDir?: string, port?: number, env?: Record<string, string>, profile?: boolean, label?: string }} o
   */
  async startEgiz(o = {}) {
    const nodeArgs = [...(this.opts.egizNodeArgs ?? [])];
    let profile;
    if (this.opts.profile && o.profile !== false) {
      this.profileCount += 1;
      const name = `egiz-${o.label ?? this.scenario}-${this.opts.runId}-${this.profileCount}.cpuprofile`;
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${this.opts.profileDir}`, `--cpu-prof-name=${name}`);
      profile = name;
    }
    const server = egizProcess({
      dataDir: o.dataDir ?? this.tmpDir('egiz'),
      nodeArgs,
      verbose: this.opts.verbose,
      ...(o.port === undefined ? {} : { port: o.port }),
      env: { ...this.opts.egizEnv, ...o.env },
    });
    this.servers.add(server);
    if (profile) this.profiles.push({ file: profile, server });
    await server.start();
    return server;
  }

  /** @param {'sqlite-http' | 'ws-echo'} kind */
  async startBaseline(kind, o = {}) {
    const server = baselineProcess(kind, {
      verbose: this.opts.verbose,
      ...(kind === 'sqlite-http' ? { dataDir: o.dataDir ?? this.tmpDir('baseline') } : {}),
      ...(o.port === undefined ? {} : { port: o.port }),
    });
    this.servers.add(server);
    await server.start();
    return server;
  }

  /** Stops a server gracefully; a non-zero exit is an error of the scenario. */
  async stop(server) {
    const code = await server.stop();
    this.servers.delete(server);
    if (code !== 0) throw new Error(`${server.name} exited with ${code} on SIGTERM\n${server.tailText()}`);
  }

  /** The shared fixture `key`, created on first use by its factory (see fixtures.js). */
  fixture(key) {
    let f = this.fixtures.get(key);
    if (!f) {
      const factory = this.factories[key];
      if (!factory) throw new Error(`unknown fixture ${key}`);
      f = factory(this);
      this.fixtures.set(key, f);
    }
    return f;
  }

  /** Hands a ready fixture to the scenarios that come later (e.g. the store bulk creation built). */
  provide(key, value) {
    this.fixtures.set(key, Promise.resolve(value));
  }

  /** Stops the servers of a fixture nobody needs any more. */
  async release(key) {
    const f = this.fixtures.get(key);
    if (!f) return;
    this.fixtures.delete(key);
    let value;
    try {
      value = await f;
    } catch {
      return; // its creation failed and was reported by the scenario that asked for it
    }
    if (value?.server && this.servers.has(value.server)) await this.stop(value.server);
  }

  /**
   * Whether Egiz has a feature: `check` is a GET path (a 404 means the feature has not landed) or a
   * function of a running Egiz. Asks a running fixture's Egiz when there is one, else a short-lived
   * empty Egiz.
   * @param {string | ((server: import('./servers.js').ServerProcess) => Promise<true | string>)} check
   * @returns {Promise<true | string>} true, or why not
   */
  async probe(check) {
    let server;
    for (const [key, f] of this.fixtures) {
      if (!key.startsWith('egiz-')) continue;
      const value = await f.catch(() => undefined);
      if (value?.server && value.server.exitCode === undefined) server = value.server;
    }
    const temporary = server ? undefined : await this.startEgiz({ profile: false, label: 'probe' });
    try {
      const target = server ?? temporary;
      if (typeof check === 'function') return await check(target);
      const r = await this.request(target, { method: 'GET', path: check });
      if (r.status === 404) return `GET ${check.split('?')[0]} answers 404`;
      if (r.status >= 500) throw new Error(`GET ${check} answered ${r.status}: ${r.body.slice(0, 300)}`);
      return true;
    } finally {
      if (temporary) await this.stop(temporary);
    }
  }

  /** Basic auth of the benchmark user, for Egiz. */
  get authHeaders() {
    return { authorization: AUTH_HEADER };
  }

  /** One request to a server, for setup and probes. */
  request(server, req) {
    return httpOnce(server.port, req, this.authHeaders);
  }

  /**
   * A closed-loop HTTP run against `server`, with its CPU and RSS over the measured window.
   * Defaults: the run's connections, duration and warm-up; `total` makes it a counted run.
   * @param {import('./servers.js').ServerProcess} server
   * @param {Partial<import('./http-load.js').LoadSpec>} spec
   */
  async load(server, spec) {
    server.assertAlive();
    const sampler = new ProcSampler(server.pid);
    let window = 0n;
    const counted = spec.total !== undefined;
    const result = await runHttpLoad({
      port: server.port,
      connections: this.opts.connections,
      client: this.opts.client,
      headers: this.authHeaders,
      ...(counted ? {} : { durationMs: this.sizes.durationMs, warmupMs: this.sizes.warmupMs }),
      ...spec,
      onMeasureStart: () => {
        window = process.hrtime.bigint();
        sampler.start();
        spec.onMeasureStart?.();
      },
      onMeasureEnd: () => {
        sampler.stop();
        server.windows.push({
          scenario: spec.windowLabel ?? this.scenario,
          startUs: Number(window / 1000n),
          endUs: Number(process.hrtime.bigint() / 1000n),
        });
        spec.onMeasureEnd?.();
      },
      signal: server.died.signal,
    });
    server.assertAlive();
    return { ...result, proc: sampler.stop() };
  }

  /** A pipelined WebSocket run against `server` (see ws-load.js), measured like load(). */
  async loadWs(server, spec) {
    server.assertAlive();
    const sampler = new ProcSampler(server.pid);
    let window = 0n;
    const result = await runWsLoad({
      headers: this.authHeaders,
      durationMs: this.sizes.wsDurationMs,
      warmupMs: this.sizes.warmupMs,
      ...spec,
      onMeasureStart: () => {
        window = process.hrtime.bigint();
        sampler.start();
        spec.onMeasureStart?.();
      },
      onMeasureEnd: () => {
        sampler.stop();
        server.windows.push({
          scenario: spec.windowLabel ?? this.scenario,
          startUs: Number(window / 1000n),
          endUs: Number(process.hrtime.bigint() / 1000n),
        });
        spec.onMeasureEnd?.();
      },
      signal: server.died.signal,
    });
    server.assertAlive();
    return { ...result, proc: sampler.stop() };
  }

  /**
   * Creates `count` twins (PUT, closed loop on the run's connections) in `namespace`.
   * @returns the counted load result (throughput of the creation)
   */
  populate(server, namespace, count) {
    return this.load(server, {
      windowLabel: `${this.scenario}:populate`,
      total: count,
      request: (i) => ({ method: 'PUT', path: thingPath(namespace, i), body: JSON.stringify(twinBody(i)) }),
    });
  }

  /**
   * A row of the results from a measured load run (and the same run on a baseline, if any).
   * @param {{ name: string, result: object, baseline?: object, baselineName?: string,
   *   targets?: import('./report.js').Target[], notes?: string, unit?: string }} o
   */
  loadRow(o) {
    const r = o.result;
    const row = {
      name: o.name,
      unit: o.unit ?? '/s',
      measured: Math.round(r.throughput),
      latency: r.latency,
      requests: r.requests,
      errors: r.errors,
      seconds: Math.round(r.seconds * 100) / 100,
      server: r.proc
        ? { cpuPct: r.proc.serverCpuPct, rssPeakMb: r.proc.rssPeakMb, rssEndMb: r.proc.rssEndMb }
        : undefined,
      client: r.proc ? { cpuPct: r.proc.clientCpuPct } : undefined,
      machine: r.proc ? { cpuPct: r.proc.machineCpuPct, otherCpuPct: r.proc.otherCpuPct } : undefined,
      targets: o.targets ?? [],
      ...(o.notes ? { notes: o.notes } : {}),
    };
    const other = Math.max(r.proc?.otherCpuPct ?? 0, o.baseline?.proc?.otherCpuPct ?? 0);
    if (other >= 15)
      row.notes = `${row.notes ? `${row.notes} ` : ''}Noise: other processes used up to ${Math.round(other)} % of a core during these runs.`;
    if (o.baseline) {
      const b = o.baseline;
      row.baseline = {
        name: o.baselineName ?? 'baseline',
        measured: Math.round(b.throughput),
        latency: b.latency,
        requests: b.requests,
        errors: b.errors,
        server: b.proc ? { cpuPct: b.proc.serverCpuPct, rssPeakMb: b.proc.rssPeakMb } : undefined,
        client: b.proc ? { cpuPct: b.proc.clientCpuPct } : undefined,
        machine: b.proc ? { cpuPct: b.proc.machineCpuPct, otherCpuPct: b.proc.otherCpuPct } : undefined,
      };
      row.ratio = b.throughput > 0 ? Math.round((r.throughput / b.throughput) * 100) / 100 : null;
    }
    row.verdict = verdictOf(row);
    return row;
  }

  /** Throws when a load run saw non-2xx answers or connection errors: the scenario has failed. */
  check(result, what) {
    if (result.errors > 0)
      throw new Error(
        `${what}: ${result.errors} failed request(s) (statuses ${JSON.stringify(result.statuses)}); first: ${result.errorSamples.join(' || ')}`,
      );
    return result;
  }

  /** Stops every server still running; returns the errors of those that did not stop cleanly. */
  async cleanup() {
    const errors = [];
    for (const server of [...this.servers]) {
      try {
        await this.stop(server);
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (!this.opts.keep) for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    return errors;
  }
}
