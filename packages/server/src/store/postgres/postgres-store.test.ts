/**
 * @module Runs the store contract against PostgresStore on the real PostgreSQL of the development and
 * CI machines (EGIZ_TEST_PG_URL overrides the address), each suite in a fresh schema dropped after.
 * An unreachable PostgreSQL fails these tests on purpose: CI starts it, so silence would hide a bug.
 */
import { randomBytes } from 'node:crypto';
import { Client, escapeIdentifier } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRql } from '@egiz/core';
import { searchDialect } from '../../search/sql/dialects.js';
import { pageQuery } from '../../search/sql/search-sql.js';
import { withTieBreaker } from '../../search/sql/sort-keys.js';
import type { Mutation } from '../port.js';
import { runStoreContract } from '../store-contract.testkit.js';
import { PostgresStore } from './postgres-store.js';

const URL = process.env.EGIZ_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function until(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const freshSchema = (): string => `egiz_test_${randomBytes(6).toString('hex')}`;

async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

runStoreContract('postgres', () => {
  const schema = freshSchema();
  const store = new PostgresStore({ connectionString: URL, schema, poolSize: 8 });
  return Promise.resolve({ store, cleanup: () => dropSchema(schema) });
});

describe('PostgresStore specifics', () => {
  const schema = freshSchema();
  let store: PostgresStore;

  beforeAll(async () => {
    store = new PostgresStore({ connectionString: URL, schema });
    await store.open();
  });

  afterAll(async () => {
    await store.close();
    await dropSchema(schema);
  });

  it('processes that open the same fresh schema at once all succeed (advisory lock)', async () => {
    const shared = freshSchema();
    const stores = Array.from(
      { length: 6 },
      () => new PostgresStore({ connectionString: URL, schema: shared, poolSize: 1 }),
    );
    try {
      await Promise.all(stores.map((s) => s.open()));
      expect(await Promise.all(stores.map((s) => s.ping()))).toStrictEqual(stores.map(() => true));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await dropSchema(shared);
    }
  });

  it('keeps its tables in its own schema and puts that schema on the pool search_path', async () => {
    const { rows } = await store.pool.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    expect(rows.map((r) => r.table_name)).toStrictEqual([
      'egiz_meta',
      'journal',
      'policies',
      'policy_imports',
      'policy_readers',
      'search_paths',
      'thing_fields',
      'things',
    ]);
    const path = await store.pool.query<{ search_path: string }>('SHOW search_path');
    expect(path.rows[0]?.search_path).toContain(schema);
  });

  it('stores value, metadata and payload as jsonb and timestamps verbatim', async () => {
    const types = await store.pool.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_schema = $1 AND table_name IN ('things', 'policies', 'journal')
         AND column_name IN ('value', 'metadata', 'payload') ORDER BY table_name, column_name`,
      [schema],
    );
    expect(new Set(types.rows.map((r) => r.data_type))).toStrictEqual(new Set(['jsonb']));
  });

  it('refuses U+0000 and lone surrogates with a clear error, writing nothing of the batch', async () => {
    const mk = (id: string, text: string): Mutation => ({
      next: { kind: 'thing', id, revision: 1, deleted: false, created: 't', modified: 't', value: { text } },
      expectedRevision: 0,
      events: [],
    });
    for (const text of ['nul \u0000 here', 'lone \ud800 surrogate', 'lone \udfff low']) {
      const bad = `pg-bad-${randomBytes(4).toString('hex')}`;
      const ok = `pg-ok-${randomBytes(4).toString('hex')}`;
      await expect(store.commit([mk(ok, 'fine'), mk(bad, text)])).rejects.toThrow(
        new RegExp(`thing '${bad}'.*PostgreSQL cannot store`),
      );
      expect(await store.get('thing', ok)).toBeUndefined();
    }
    // Look-alikes are fine: an escaped backslash before "u0000", and a proper surrogate pair.
    const fine = `pg-fine-${randomBytes(4).toString('hex')}`;
    expect(await store.commit([mk(fine, '\\u0000 and \\ud800 and 😀')])).toStrictEqual({ conflicts: [] });
    expect((await store.get('thing', fine))?.value).toStrictEqual({ text: '\\u0000 and \\ud800 and 😀' });
  });

  it('reruns a batch that PostgreSQL aborted as a deadlock victim, then reports real conflicts', async () => {
    const [a, b] = [`pg-dl-a-${randomBytes(4).toString('hex')}`, `pg-dl-b-${randomBytes(4).toString('hex')}`];
    const mk = (id: string, from: number): Mutation => ({
      next: {
        kind: 'thing',
        id,
        revision: from + 1,
        deleted: false,
        created: 't',
        modified: 't',
        value: { from },
      },
      expectedRevision: from,
      events: [{ kind: 'thing', id, revision: from + 1, timestamp: 't', type: 'x', payload: null }],
    });
    expect(await store.commit([mk(a, 0), mk(b, 0)])).toStrictEqual({ conflicts: [] });

    const other = new Client({ connectionString: URL });
    await other.connect();
    try {
      // The other session holds b; the store's batch locks a and then waits for b.
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM ${escapeIdentifier(schema)}.things WHERE id = $1 FOR UPDATE`, [b]);
      const committing = store.commit([mk(a, 1), mk(b, 1)]);
      await until(async () => {
        const { rows } = await other.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
          [`%${schema}%`],
        );
        return rows[0]?.n === '1';
      });
      // Now the other session wants a: a cycle. The store's backend has waited longer, so it is the
      // victim after deadlock_timeout; the rerun then waits for the other session's commit.
      const otherUpdate = other.query(
        `UPDATE ${escapeIdentifier(schema)}.things SET revision = 2 WHERE id = $1`,
        [a],
      );
      await otherUpdate;
      await other.query('COMMIT');
      expect(await committing).toStrictEqual({ conflicts: [0] });
      expect((await store.get('thing', b))?.revision).toBe(2);
      expect((await store.journal('thing', b)).map((e) => e.revision)).toStrictEqual([1, 2]);
      expect((await store.journal('thing', a)).map((e) => e.revision)).toStrictEqual([1]);
    } finally {
      await other.end();
    }
  });

  it('gives a store made before search its search columns and index, keeping every Thing', async () => {
    const old = freshSchema();
    const client = new Client({ connectionString: URL });
    await client.connect();
    const q = escapeIdentifier(old);
    try {
      await client.query(`CREATE SCHEMA ${q}`);
      for (const table of ['things', 'policies'])
        await client.query(`CREATE TABLE ${q}.${table} (id text COLLATE "C" PRIMARY KEY, revision bigint NOT NULL,
          deleted boolean NOT NULL DEFAULT false, created text NOT NULL, modified text NOT NULL, value jsonb NOT NULL, metadata jsonb)`);
      await client.query(`CREATE TABLE ${q}.journal (kind text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL,
        revision bigint NOT NULL, ts text COLLATE "C" NOT NULL, type text NOT NULL, payload jsonb NOT NULL, PRIMARY KEY (kind, id, revision))`);
      await client.query(`INSERT INTO ${q}.things VALUES ('old.ns:a', 3, false, 't1', 't2', $1, NULL)`, [
        JSON.stringify({ thingId: 'old.ns:a', policyId: 'old.ns:p', attributes: { x: 7 } }),
      ]);
      // Policies of a store made before the import index: the live one's imports are indexed on open.
      await client.query(`INSERT INTO ${q}.policies VALUES ('old.ns:q', 1, false, 't1', 't1', $1, NULL)`, [
        JSON.stringify({ imports: { 'old.ns:shared': { transitiveImports: ['old.ns:base'] } } }),
      ]);
      await client.query(`INSERT INTO ${q}.policies VALUES ('old.ns:gone', 2, true, 't1', 't1', $1, NULL)`, [
        JSON.stringify({ imports: { 'old.ns:shared': {} } }),
      ]);
    } finally {
      await client.end();
    }
    const upgraded = new PostgresStore({ connectionString: URL, schema: old });
    await upgraded.open();
    try {
      expect((await upgraded.get('thing', 'old.ns:a'))?.revision).toBe(3);
      await upgraded.commit([
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
      const rows = await upgraded.search(
        pageQuery(searchDialect('postgres'), {
          filter: parseRql('eq(attributes/x,7)'),
          namespaces: undefined,
          subjects: ['s:1'],
          visibility: 'full',
          now: new Date(),
          sort: withTieBreaker([]),
          after: undefined,
          limit: 10,
        }),
      );
      expect(rows.map((r) => r.id)).toStrictEqual(['old.ns:a']);
      expect(await upgraded.policyImportLinks([{ imported: 'old.ns:shared', via: '' }])).toStrictEqual([
        { importer: 'old.ns:q', imported: 'old.ns:shared', via: '' },
      ]);
      expect(
        await upgraded.policyImportLinks([{ imported: 'old.ns:shared', via: 'old.ns:base' }]),
      ).toHaveLength(1);
    } finally {
      await upgraded.close();
      await dropSchema(old);
    }
  });

  it('open() fails loudly when PostgreSQL is unreachable', async () => {
    const nowhere = new PostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    await expect(nowhere.open()).rejects.toThrow();
    expect(await nowhere.ping()).toBe(false);
  });
});
