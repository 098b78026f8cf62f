/** @module Runs the store contract against SqliteStore on a real file (WAL and fsync included). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreContract } from '../store-contract.testkit.js';
import { SqliteStore } from './sqlite-store.js';

runStoreContract('sqlite (file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'egiz-sqlite-store-'));
  const store = new SqliteStore({ path: join(dir, 'egiz.sqlite') });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});
