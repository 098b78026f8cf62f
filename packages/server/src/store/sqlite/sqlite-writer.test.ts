/** @module The SQLite writer thread on a real file: a thread that is gone refuses every batch and says so. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.js';
import { SqliteWriterThread } from './sqlite-writer.js';

let dir: string | undefined;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A store file with the schema in place (made by the store, which is closed again). */
async function storeFile(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'egiz-sqlite-writer-'));
  const path = join(dir, 'egiz.sqlite');
  const store = new SqliteStore({ path, writer: 'inline' });
  await store.open();
  await store.close();
  return path;
}

const options = (path: string) => ({
  path,
  synchronous: 'FULL' as const,
  cacheKiB: 2048,
  autocheckpoint: 1000,
});

describe('SqliteWriterThread', () => {
  it('writes a batch, and once the thread is gone refuses every batch with the reason', async () => {
    const writer = await SqliteWriterThread.start(options(await storeFile()));
    expect(writer.failed).toBe(false);
    expect((await writer.execute([])).conflicts).toStrictEqual([]);
    await writer.terminate();
    expect(writer.failed).toBe(true);
    await expect(writer.execute([])).rejects.toThrow(/writer thread exited/);
  });
});
