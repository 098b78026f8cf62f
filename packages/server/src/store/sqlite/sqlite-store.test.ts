/**
 * @module Runs the store contract against SqliteStore on a real file (WAL and fsync included), and
 * checks how it upgrades stores made before the search index (or by another index version).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseRql, type JsonObject } from '@egiz/core';
import { searchDialect } from '../../search/sql/dialects.js';
import { pageQuery } from '../../search/sql/search-sql.js';
import { withTieBreaker } from '../../search/sql/sort-keys.js';
import type { Mutation } from '../port.js';
import { runStoreContract } from '../store-contract.testkit.js';
import { SqliteStore } from './sqlite-store.js';

runStoreContract('sqlite (file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'egiz-sqlite-store-'));
  const store = new SqliteStore({ path: join(dir, 'egiz.sqlite') });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

// The same write plans applied in the main thread (what ':memory:' stores do).
runStoreContract('sqlite (file, inline writer)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'egiz-sqlite-store-'));
  const store = new SqliteStore({ path: join(dir, 'egiz.sqlite'), writer: 'inline' });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('SqliteStore search index upgrades', () => {
  const OLD_SCHEMA = [
    `CREATE TABLE things (id TEXT NOT NULL UNIQUE, revision INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
       created TEXT NOT NULL, modified TEXT NOT NULL, value TEXT NOT NULL, metadata TEXT)`,
    `CREATE TABLE policies (id TEXT NOT NULL UNIQUE, revision INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
       created TEXT NOT NULL, modified TEXT NOT NULL, value TEXT NOT NULL, metadata TEXT)`,
    `CREATE TABLE journal (kind TEXT NOT NULL, id TEXT NOT NULL, revision INTEGER NOT NULL, ts TEXT NOT NULL,
       type TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (kind, id, revision)) WITHOUT ROWID`,
  ];

  async function withFile(body: (path: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'egiz-sqlite-upgrade-'));
    try {
      await body(join(dir, 'egiz.sqlite'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  const found = async (store: SqliteStore, filter: string) =>
    (
      await store.search(
        pageQuery(searchDialect('sqlite'), {
          filter: parseRql(filter),
          namespaces: undefined,
          subjects: ['s:1'],
          visibility: 'full',
          now: new Date(),
          sort: withTieBreaker([]),
          after: undefined,
          limit: 100,
        }),
      )
    ).map((r) => r.id);

  /** The creation of a Thing whose policy gives `s:1` unrestricted READ (with its reader rows). */
  const created = (id: string, policyId: string, attributes: Record<string, number>): Mutation => ({
    next: {
      kind: 'thing',
      id,
      revision: 1,
      deleted: false,
      created: 't',
      modified: 't',
      value: { thingId: id, policyId, attributes },
    },
    expectedRevision: 0,
    events: [],
    readers: [{ policyId, namespace: id.slice(0, id.indexOf(':')), full: ['s:1'], partial: [] }],
  });

  it('gives a store made before search its search columns and index, keeping every Thing', async () => {
    await withFile(async (path) => {
      const old = new Database(path);
      for (const ddl of OLD_SCHEMA) old.exec(ddl);
      old
        .prepare('INSERT INTO things VALUES (?, 3, 0, ?, ?, ?, NULL)')
        .run(
          'old.ns:a',
          't1',
          't2',
          JSON.stringify({ thingId: 'old.ns:a', policyId: 'old.ns:p', attributes: { x: 7 } }),
        );
      old.close();
      const store = new SqliteStore({ path });
      await store.open();
      try {
        expect((await store.get('thing', 'old.ns:a'))?.revision).toBe(3);
        await store.commit([
          {
            next: {
              kind: 'policy',
              id: 'old.ns:p',
              revision: 1,
              deleted: false,
              created: 't',
              modified: 't',
              value: {},
            },
            expectedRevision: 0,
            events: [],
            readers: [{ policyId: 'old.ns:p', namespace: 'old.ns', full: ['s:1'], partial: [] }],
          },
        ]);
        expect(await found(store, 'eq(attributes/x,7)')).toStrictEqual(['old.ns:a']);
      } finally {
        await store.close();
      }
    });
  });

  it('moves a store of the first search format (fields keyed by tid, no reader sets) to reader sets', async () => {
    await withFile(async (path) => {
      const store = new SqliteStore({ path });
      await store.open();
      await store.commit([created('f.ns:a', 'f.ns:p', { x: 2 })]);
      await store.close();
      // The shape of that format, as a store written by it looks.
      const old = new Database(path);
      old.exec(`DROP TABLE thing_fields; DROP TABLE reader_sets; DROP TABLE reader_set_subjects;
        ALTER TABLE things DROP COLUMN rs;
        CREATE TABLE thing_fields (pid INTEGER NOT NULL, kind INTEGER NOT NULL, val NOT NULL,
          tid INTEGER NOT NULL, PRIMARY KEY (pid, kind, val, tid)) WITHOUT ROWID;
        UPDATE egiz_meta SET value = '1' WHERE key = 'search_index_version'`);
      old.close();
      await store.open();
      try {
        const thing = store.database.prepare('SELECT tid, rs FROM things').get() as {
          tid: number;
          rs: number;
        };
        expect(thing.rs).toBeGreaterThan(0);
        const rows = store.database.prepare('SELECT id, rs FROM thing_fields WHERE tid = ?').all(thing.tid);
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) expect(row).toStrictEqual({ id: 'f.ns:a', rs: thing.rs });
        const fast = pageQuery(searchDialect('sqlite'), {
          filter: parseRql('eq(attributes/x,2)'),
          namespaces: undefined,
          subjects: ['s:1'],
          visibility: 'full',
          sets: [thing.rs],
          now: new Date(),
          sort: withTieBreaker([]),
          after: undefined,
          limit: 10,
        });
        expect(fast.sql).toContain('FROM thing_fields f');
        expect((await store.search(fast)).map((r) => r.id)).toStrictEqual(['f.ns:a']);
        expect(await found(store, 'eq(attributes/x,2)')).toStrictEqual(['f.ns:a']);
      } finally {
        await store.close();
      }
    });
  });

  it('fills the import index from the stored Policies of a store made before it', async () => {
    await withFile(async (path) => {
      const store = new SqliteStore({ path });
      await store.open();
      const policy = (id: string, imports: JsonObject, deleted = false) => ({
        next: {
          kind: 'policy' as const,
          id,
          revision: 1,
          deleted,
          created: 't',
          modified: 't',
          value: { imports },
        },
        expectedRevision: 0,
        events: [],
      });
      await store.commit([
        policy('i.ns:q', { 'i.ns:p': { transitiveImports: ['i.ns:r'] } }),
        policy('i.ns:gone', { 'i.ns:p': {} }, true),
      ]);
      await store.close();
      const old = new Database(path);
      old.exec(`DROP TABLE policy_imports; DELETE FROM egiz_meta WHERE key = 'policy_imports_version'`);
      old.close();
      await store.open();
      try {
        expect(await store.policyImportLinks([{ imported: 'i.ns:p', via: '' }])).toStrictEqual([
          { importer: 'i.ns:q', imported: 'i.ns:p', via: '' },
        ]);
        expect(await store.policyImportLinks([{ imported: 'i.ns:p', via: 'i.ns:r' }])).toHaveLength(1);
      } finally {
        await store.close();
      }
    });
  });

  it('rebuilds the index when it was written by another format version', async () => {
    await withFile(async (path) => {
      const store = new SqliteStore({ path });
      await store.open();
      await store.commit([created('v.ns:a', 'v.ns:p', { x: 1 })]);
      store.database.exec(
        "DELETE FROM thing_fields; UPDATE egiz_meta SET value = 'old' WHERE key = 'search_index_version'",
      );
      expect(await found(store, 'eq(attributes/x,1)')).toStrictEqual([]);
      await store.close();
      await store.open();
      try {
        expect(await found(store, 'eq(attributes/x,1)')).toStrictEqual(['v.ns:a']);
      } finally {
        await store.close();
      }
    });
  });
});
