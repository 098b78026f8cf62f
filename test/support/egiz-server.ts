/**
 * @module Test support: starts a real Egiz (HTTP on 127.0.0.1, port 0, SQLite file in a temp dir)
 * and gives a tiny client that speaks to it over HTTP like any other client would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig, type EgizConfig } from '../../packages/server/src/app/config.js';
import { createEgiz, type Egiz } from '../../packages/server/src/app/egiz.js';

export interface TestServer {
  readonly egiz: Egiz;
  readonly url: string;
  readonly dataDir: string;
  /** fetch against the server with Basic auth of `user` (default ditto:ditto) unless `auth: false`. */
  request(path: string, init?: RequestInit & { auth?: string | false; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export function basic(userPass: string): string {
  return `Basic ${Buffer.from(userPass).toString('base64')}`;
}

export async function startServer(
  env: Record<string, string> = {},
  opts: { clock?: () => Date } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'egiz-test-'));
  const config: EgizConfig = loadConfig({
    EGIZ_PORT: '0',
    EGIZ_HOST: '127.0.0.1',
    EGIZ_DATA_DIR: dataDir,
    EGIZ_USERS: 'ditto:ditto,alice:alice-pw,bob:bob-pw',
    EGIZ_DEVOPS_PASSWORD: 'devops-pw',
    EGIZ_LOG_LEVEL: 'silent',
    ...env,
  });
  const egiz = createEgiz(config, {
    logger: pino({ level: 'silent' }),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const url = await egiz.start();
  return {
    egiz,
    url,
    dataDir,
    request(path, init = {}) {
      const { auth = 'ditto:ditto', json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth !== false && !headers.has('authorization')) headers.set('authorization', basic(auth));
      let body = rest.body;
      if (json !== undefined) {
        body = JSON.stringify(json);
        if (!headers.has('content-type'))
          headers.set(
            'content-type',
            rest.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
          );
      }
      return fetch(url + path, { ...rest, headers, ...(body !== undefined ? { body } : {}) });
    },
    async close() {
      await egiz.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
