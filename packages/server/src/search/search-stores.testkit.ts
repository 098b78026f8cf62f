/**
 * @module Test support for the search: both real stores (a SQLite file and PostgreSQL in a fresh
 * schema, EGIZ_TEST_PG_URL overriding the address; an unreachable PostgreSQL fails the tests), and
 * helpers that commit Things with their reader rows the way the write path does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, escapeIdentifier } from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { namespaceOf, type Enforcer, type JsonObject } from '@egiz/core';
import type { EntityRecord, Mutation, PolicyReaders, Store } from '../store/port.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { SearchService } from './search-service.js';

export const PG_URL = process.env.EGIZ_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const STORE_NAMES = ['sqlite', 'postgres'] as const;
export type StoreName = (typeof STORE_NAMES)[number];

export interface OpenedStore {
  readonly store: Store;
  close(): Promise<void>;
}

export async function openSqlite(): Promise<OpenedStore & { readonly path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'egiz-search-'));
  const path = join(dir, 'egiz.sqlite');
  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await store.open();
  return {
    store,
    path,
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

export async function openPostgres(): Promise<OpenedStore & { readonly schema: string }> {
  const schema = `egiz_search_${randomBytes(6).toString('hex')}`;
  const store = new PostgresStore({ connectionString: PG_URL, schema, poolSize: 4 });
  await store.open();
  return {
    store,
    schema,
    async close() {
      await store.close();
      await dropSchema(schema);
    },
  };
}

export function openStore(name: StoreName): Promise<OpenedStore> {
  return name === 'sqlite' ? openSqlite() : openPostgres();
}

/** Runs `body` once per real store, each in its own describe block with a store open for it. */
export function forEachStore(body: (store: () => Store, name: StoreName) => void): void {
  for (const name of STORE_NAMES) {
    describe(`on ${name}`, () => {
      let opened: OpenedStore | undefined;
      beforeAll(async () => {
        opened = await openStore(name);
      });
      afterAll(async () => {
        await opened?.close();
      });
      body(() => {
        if (!opened) throw new Error('store not open');
        return opened.store;
      }, name);
    });
  }
}

export const READER = 'test:reader';
export const NOW = new Date('2024-06-01T12:00:00.000Z');

export interface ThingSpec {
  readonly id: string;
  readonly value: JsonObject;
  readonly metadata?: JsonObject;
  readonly revision?: number;
  readonly created?: string;
  readonly modified?: string;
}

export function thingRecord(spec: ThingSpec): EntityRecord {
  const revision = spec.revision ?? 1;
  return {
    kind: 'thing',
    id: spec.id,
    revision,
    deleted: false,
    created: spec.created ?? '2024-01-01T00:00:00.000Z',
    modified: spec.modified ?? '2024-05-01T00:00:00.000Z',
    value: { thingId: spec.id, policyId: `${namespaceOf(spec.id)}:policy`, ...spec.value },
    ...(spec.metadata ? { metadata: spec.metadata } : {}),
  };
}

/** Reader rows giving `subjects` unrestricted READ on the Things of a namespace's shared test policy. */
export function fullReaders(namespace: string, subjects: readonly string[] = [READER]): PolicyReaders {
  return { policyId: `${namespace}:policy`, namespace, full: subjects, partial: [] };
}

/** Creates Things (revision 1 unless given, expected 0) readable in full by READER. */
export async function createThings(store: Store, specs: readonly ThingSpec[]): Promise<void> {
  const pairs = new Map<string, PolicyReaders>();
  for (const s of specs) {
    const ns = namespaceOf(s.id);
    pairs.set(ns, fullReaders(ns));
  }
  const mutations: Mutation[] = specs.map((s, i) => ({
    next: thingRecord(s),
    expectedRevision: 0,
    events: [],
    ...(i === 0 ? { readers: [...pairs.values()] } : {}),
  }));
  const result = await store.commit(mutations);
  if (result.conflicts.length > 0) throw new Error(`conflicts at ${result.conflicts.join(',')}`);
}

export function searchService(
  store: Store,
  enforcer: (policyId: string, namespace: string) => Promise<Enforcer | undefined> = () =>
    Promise.resolve(undefined),
): SearchService {
  return new SearchService({ store, clock: () => NOW, enforcer });
}

export const reader = { subjects: [READER], primary: READER } as const;

/** Every id a filter finds in a namespace, in id order, paging through all results. */
export async function findIds(
  search: SearchService,
  namespace: string,
  filter: string | undefined,
  auth: { subjects: readonly string[]; primary: string } = reader,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await search.search(
      {
        ...(filter === undefined ? {} : { filter }),
        namespaces: namespace,
        option: `size(200)${cursor === undefined ? '' : `,cursor(${cursor})`}`,
      },
      auth,
    );
    ids.push(...result.items.map((i) => i.thingId as string));
    if (result.cursor === undefined) return ids;
    cursor = result.cursor;
  }
  throw new Error('too many pages');
}

let sequence = 0;
/** A namespace no other test uses. */
export function freshNamespace(label: string): string {
  return `t${label}${Date.now().toString(36)}${(++sequence).toString(36)}${randomBytes(2).toString('hex')}`;
}
