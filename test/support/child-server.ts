/**
 * @module Test support: runs the built server (packages/server/dist/main.js) as a real child process,
 * as `npm start` would, and finds its port from the banner it prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const MAIN = resolve(import.meta.dirname, '../../packages/server/dist/main.js');

export interface ChildServer {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

export async function startChild(env: Record<string, string>): Promise<ChildServer> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' first (npm test does)`);
  const proc = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      EGIZ_PORT: '0',
      EGIZ_HOST: '127.0.0.1',
      EGIZ_LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((res) =>
    proc.on('exit', (code, signal) => res(code ?? signal ?? -1)),
  );
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${out}`)), 15_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listens on http:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(`http://127.0.0.1:${m[1]}`);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`server exited (${code}) before it was ready:\n${out}`));
    });
  });
  return { proc, url, output: () => out, exited };
}
