/**
 * @module The servers under test as real child processes: Egiz (packages/server/dist/main.js) and
 * the baselines in bench/baselines/. Each prints a banner with its port; the handle exposes the pid
 * (for /proc sampling), the port, a graceful stop (SIGTERM, then SIGKILL after a timeout) and a
 * signal that fires if the process dies while it is being measured.
 */
import process from 'node:process';
import { Buffer } from 'node:buffer';
import { setTimeout, clearTimeout } from 'node:timers';
import { spawn } from 'node:child_process';
import { fileURLToPath, URL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EGIZ_MAIN = fileURLToPath(new URL('../../packages/server/dist/main.js', import.meta.url));
const BASELINES = fileURLToPath(new URL('../baselines/', import.meta.url));

/** Basic credentials of the user the benchmark runs Egiz with. */
export const BENCH_USER = { name: 'bench', password: 'bench-secret-1' };
export const AUTH_HEADER = `Basic ${Buffer.from(`${BENCH_USER.name}:${BENCH_USER.password}`).toString('base64')}`;

const BANNER = /listens on http:\/\/[^:\s]+:(\d+)/;
const TAIL_LINES = 40;
const live = new Set();

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The parent's environment without any EGIZ_* setting, so the user's own config cannot leak in. */
function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('EGIZ_') && v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

export class ServerProcess {
  /**
   * @param {{ name: string, script: string, nodeArgs?: string[], env: Record<string, string>,
   *   startTimeoutMs?: number, verbose?: boolean }} opts
   */
  constructor(opts) {
    this.name = opts.name;
    this.opts = opts;
    this.tail = [];
    this.exitCode = undefined;
    this.stopping = false;
    this.died = new globalThis.AbortController();
    /** Measured windows of load runs against this server (for profiles): scenario, start/end µs. */
    this.windows = [];
  }

  /** Spawns the process; resolves when its banner names the port. */
  start() {
    const { opts } = this;
    this.spawnedAt = process.hrtime.bigint();
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.script], {
      cwd: REPO_ROOT,
      env: cleanEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.pid = child.pid;
    live.add(child);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        this.exitCode = code ?? (signal ? `signal ${signal}` : null);
        if (!this.stopping)
          this.died.abort(
            new Error(`${this.name} exited unexpectedly (${this.exitCode})\n${this.tailText()}`),
          );
        resolve(this.exitCode);
      });
    });
    const keep = (line) => {
      this.tail.push(line);
      if (this.tail.length > TAIL_LINES) this.tail.shift();
      if (opts.verbose) process.stderr.write(`[${this.name}] ${line}\n`);
    };
    return new Promise((resolve, reject) => {
      let pendingOut = '';
      const timer = setTimeout(() => {
        reject(
          new Error(
            `${this.name} printed no banner within ${opts.startTimeoutMs ?? 60000} ms\n${this.tailText()}`,
          ),
        );
        this.kill();
      }, opts.startTimeoutMs ?? 60000);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text) => {
        pendingOut += text;
        let nl;
        while ((nl = pendingOut.indexOf('\n')) >= 0) {
          const line = pendingOut.slice(0, nl);
          pendingOut = pendingOut.slice(nl + 1);
          keep(line);
          const m = this.port === undefined ? BANNER.exec(line) : null;
          if (m) {
            this.port = Number(m[1]);
            this.bannerAt = process.hrtime.bigint();
            clearTimeout(timer);
            resolve(this);
          }
        }
      });
      child.stderr.setEncoding('utf8');
      let pendingErr = '';
      child.stderr.on('data', (text) => {
        pendingErr += text;
        let nl;
        while ((nl = pendingErr.indexOf('\n')) >= 0) {
          keep(pendingErr.slice(0, nl));
          pendingErr = pendingErr.slice(nl + 1);
        }
      });
      void this.exited.then(() => {
        if (this.port === undefined) {
          clearTimeout(timer);
          reject(new Error(`${this.name} exited (${this.exitCode}) before it listened\n${this.tailText()}`));
        }
      });
    });
  }

  tailText() {
    return this.tail.map((l) => `    | ${l}`).join('\n');
  }

  /** Throws if the process has died. */
  assertAlive() {
    if (this.died.signal.aborted) throw this.died.signal.reason;
  }

  kill() {
    this.stopping = true;
    this.child?.kill('SIGKILL');
  }

  /**
   * Graceful stop: SIGTERM, wait for the exit (SIGKILL after timeoutMs).
   * @returns {Promise<number | string | null>} the exit code
   */
  async stop(timeoutMs = 60000) {
    if (this.exitCode !== undefined) return this.exitCode;
    this.stopping = true;
    this.child.kill('SIGTERM');
    let timer;
    const code = await Promise.race([
      this.exited,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (code === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
      throw new Error(`${this.name} did not stop within ${timeoutMs} ms of SIGTERM\n${this.tailText()}`);
    }
    return code;
  }
}

/**
 * Egiz on the embedded store in dataDir, on 127.0.0.1 and port 0 (or `port`), logging warnings only.
 * @param {{ dataDir: string, port?: number, env?: Record<string, string>, nodeArgs?: string[],
 *   verbose?: boolean, name?: string }} opts
 */
export function egizProcess(opts) {
  return new ServerProcess({
    name: opts.name ?? 'egiz',
    script: EGIZ_MAIN,
    nodeArgs: opts.nodeArgs ?? [],
    verbose: opts.verbose ?? false,
    env: {
      EGIZ_PORT: String(opts.port ?? 0),
      EGIZ_HOST: '127.0.0.1',
      EGIZ_LOG_LEVEL: 'warn',
      EGIZ_DATA_DIR: opts.dataDir,
      EGIZ_USERS: `${BENCH_USER.name}:${BENCH_USER.password}`,
      EGIZ_DEVOPS_PASSWORD: 'bench-devops-1',
      ...opts.env,
    },
  });
}

/**
 * A baseline server from bench/baselines/<kind>.js.
 * @param {'sqlite-http' | 'ws-echo'} kind
 * @param {{ dataDir?: string, port?: number, verbose?: boolean }} opts
 */
export function baselineProcess(kind, opts = {}) {
  return new ServerProcess({
    name: `baseline:${kind}`,
    script: `${BASELINES}${kind}.js`,
    verbose: opts.verbose ?? false,
    env: {
      BASELINE_PORT: String(opts.port ?? 0),
      ...(opts.dataDir ? { BASELINE_DATA_DIR: opts.dataDir } : {}),
    },
  });
}
