/**
 * @module Test kit: runs the built `egiz` (packages/cli/dist/main.js) as a child process, the way a
 * user does, with its own config file and environment. Asynchronous on purpose: the server under
 * test usually lives in the test's own process and must keep serving while the CLI runs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI_MAIN = resolve(import.meta.dirname, '../dist/main.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** Written to the CLI's stdin (then closed); stdin is empty otherwise. */
  readonly input?: string;
  /** Extra environment (wins over the sandbox's). */
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
}

/** A CLI process that keeps running (watch, listen): wait for its output, signal it, await its end. */
export interface RunningCli {
  readonly pid: number;
  /** Resolves once stdout (or stderr) matches, with everything written so far. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<string>;
  stdout(): string;
  stderr(): string;
  kill(signal?: NodeJS.Signals): void;
  /** The exit code and the whole output, once the process has ended. */
  readonly done: Promise<CliResult>;
}

export function startCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: CliRunOptions = {},
): RunningCli {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    env: { ...env, ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const text = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const onData = (stream: 'stdout' | 'stderr') => (b: Buffer) => {
    text[stream] += b.toString('utf8');
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      for (const w of [...waiters]) w();
      resolvePromise({ code, stdout: text.stdout, stderr: text.stderr });
    });
  });
  if (opts.input !== undefined) child.stdin.end(opts.input);
  return {
    pid: child.pid ?? -1,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    kill: (signal = 'SIGINT') => void child.kill(signal),
    done,
    waitFor(stream, pattern, timeoutMs = 10_000) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          if (pattern.test(text[stream])) {
            cleanup();
            resolvePromise(text[stream]);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(
              new Error(
                `egiz ${args.join(' ')} ended before ${stream} matched ${String(pattern)}:\n${text.stdout}\n${text.stderr}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `timed out waiting for ${stream} to match ${String(pattern)}:\n${text.stdout}\n${text.stderr}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

export interface CliSandbox {
  /** A private home and config dir; EGIZ_CONFIG points at `configFile`. */
  readonly dir: string;
  readonly configFile: string;
  run(args: readonly string[], opts?: CliRunOptions): Promise<CliResult>;
  /** Starts a long-running command (watch, message listen) without waiting for its end. */
  start(args: readonly string[], opts?: CliRunOptions): RunningCli;
  /** Runs and parses stdout as JSON; fails with the stderr if the exit code is not 0. */
  json(args: readonly string[], opts?: CliRunOptions): Promise<unknown>;
  cleanup(): void;
}

export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: CliRunOptions = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      env: { ...env, ...opts.env },
      cwd: opts.cwd ?? process.cwd(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolvePromise({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.end(opts.input ?? '');
  });
}

/** A sandbox talking to `url` with the given default credentials in the environment (none if omitted). */
export function cliSandbox(
  url: string | undefined,
  credentials?: { user: string; password: string },
): CliSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'egiz-cli-'));
  const configFile = join(dir, 'config', 'egiz', 'config.json');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    EGIZ_CONFIG: configFile,
    NO_COLOR: '1',
    ...(url !== undefined ? { EGIZ_URL: url } : {}),
    ...(credentials ? { EGIZ_USER: credentials.user, EGIZ_PASSWORD: credentials.password } : {}),
  };
  const sandbox: CliSandbox = {
    dir,
    configFile,
    run: (args, opts) => runCli(args, env, opts),
    start: (args, opts) => startCli(args, env, opts),
    async json(args, opts) {
      const r = await runCli(args, env, opts);
      if (r.code !== 0) throw new Error(`egiz ${args.join(' ')} exited ${String(r.code)}: ${r.stderr}`);
      return JSON.parse(r.stdout) as unknown;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return sandbox;
}
