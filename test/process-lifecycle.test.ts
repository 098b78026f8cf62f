/**
 * The server as a real child process: acknowledged writes survive `kill -9`, and SIGTERM finishes
 * in-flight work and exits 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChild, type ChildServer } from './support/child-server.js';
import { basic } from './support/egiz-server.js';

const auth = { authorization: basic('ditto:ditto') };
const dirs: string[] = [];
const children: ChildServer[] = [];

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'egiz-proc-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function put(url: string, path: string, body: unknown): Promise<number> {
  const res = await fetch(url + path, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('durability', () => {
  it('kill -9 right after a burst of acknowledged writes loses none of them', async () => {
    const dir = dataDir();
    const first = await startChild({ EGIZ_DATA_DIR: dir });
    children.push(first);
    const N = 300;
    const statuses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        put(first.url, `/api/2/things/org.egiz.crash:t${i}`, { attributes: { i } }),
      ),
    );
    expect(statuses.every((s) => s === 201)).toBe(true);
    const updates = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        put(first.url, `/api/2/things/org.egiz.crash:t${i}/features/f/properties/v`, i * 2).catch(() => 0),
      ),
    );
    // features/f does not exist: the API answers 404 feature.notfound; create the feature and write again
    expect(updates.every((s) => s === 404)).toBe(true);
    const features = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        put(first.url, `/api/2/things/org.egiz.crash:t${i}/features/f`, { properties: { v: i * 2 } }),
      ),
    );
    expect(features.every((s) => s === 201)).toBe(true);
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await startChild({ EGIZ_DATA_DIR: dir });
    children.push(second);
    for (let i = 0; i < N; i++) {
      const res = await fetch(
        `${second.url}/api/2/things/org.egiz.crash:t${i}?fields=attributes,features,_revision`,
        { headers: auth },
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        attributes: { i },
        features: { f: { properties: { v: i * 2 } } },
        _revision: 2,
      });
    }
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

describe('graceful stop', () => {
  it('SIGTERM answers the requests in flight, refuses new ones with 503, persists what it acknowledged, exits 0', async () => {
    const dir = dataDir();
    const first = await startChild({ EGIZ_DATA_DIR: dir });
    children.push(first);
    const inFlight = Array.from({ length: 50 }, (_, i) =>
      put(first.url, `/api/2/things/org.egiz.stop:t${i}`, {}),
    );
    await new Promise((r) => setTimeout(r, 5));
    first.proc.kill('SIGTERM');
    const results = await Promise.allSettled(inFlight);
    const acknowledged: number[] = [];
    results.forEach((r, i) => {
      if (r.status !== 'fulfilled') return; // refused at connect time
      expect([201, 503]).toContain(r.value);
      if (r.value === 201) acknowledged.push(i);
    });
    expect(await first.exited, first.output()).toBe(0);
    expect(first.output()).not.toMatch(/"level":(50|60)/);

    const second = await startChild({ EGIZ_DATA_DIR: dir });
    children.push(second);
    for (const i of acknowledged) {
      const res = await fetch(`${second.url}/api/2/things/org.egiz.stop:t${i}`, { headers: auth });
      expect(res.status).toBe(200);
    }
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('prints where it listens, where the data lives and warns about default credentials', async () => {
    const child = await startChild({ EGIZ_DATA_DIR: dataDir(), EGIZ_USERS: 'ditto:ditto' });
    children.push(child);
    await new Promise((r) => setTimeout(r, 100));
    expect(child.output()).toMatch(/listens on http:\/\/localhost:\d+/);
    expect(child.output()).toMatch(/egiz\.sqlite/);
    expect(child.output()).toMatch(/DEFAULT CREDENTIALS/);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it('refuses to start in production with default credentials', async () => {
    await expect(startChild({ EGIZ_DATA_DIR: dataDir(), NODE_ENV: 'production' })).rejects.toThrow(
      /refuses the default credentials/,
    );
  });
});
