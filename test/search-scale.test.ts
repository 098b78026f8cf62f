/**
 * Scale sanity: 100k Things written through the SQLite store in batches, then the query plans of
 * indexed filters are checked (EXPLAIN QUERY PLAN): equality and range on an attribute are driven by
 * the field index and reach Things by their key, never by scanning all Things. The same is checked
 * on PostgreSQL (EXPLAIN) with a smaller set. Plans, not wall-clock times: machines differ.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRql } from '@egiz/core';
import type { Mutation, Store } from '../packages/server/src/store/port.js';
import { searchDialect } from '../packages/server/src/search/sql/dialects.js';
import { pageQuery, readerProbeQuery } from '../packages/server/src/search/sql/search-sql.js';
import { withTieBreaker } from '../packages/server/src/search/sql/sort-keys.js';
import {
  NOW,
  fullReaders,
  openPostgres,
  openSqlite,
  reader,
  searchService,
  thingRecord,
  type OpenedStore,
} from '../packages/server/src/search/search-stores.testkit.js';

const NS = 'org.scale';

function twin(i: number) {
  return thingRecord({
    id: `${NS}:device-${String(i).padStart(6, '0')}`,
    value: {
      definition: 'org.scale:pump:1.0.0',
      attributes: { serial: `SN-${i}`, floor: i % 20, site: `site-${i % 50}`, active: i % 3 !== 0 },
      features: {
        pressure: { properties: { value: (i % 1000) / 100, unit: 'bar' } },
        status: { properties: { running: i % 2 === 0, errors: i % 7 } },
      },
    },
  });
}

async function fill(store: Store, count: number, batch = 2000): Promise<void> {
  for (let start = 0; start < count; start += batch) {
    const mutations: Mutation[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++)
      mutations.push({
        next: twin(i),
        expectedRevision: 0,
        events: [],
        ...(i === 0 ? { readers: [fullReaders(NS)] } : {}),
      });
    expect((await store.commit(mutations)).conflicts).toStrictEqual([]);
  }
}

function plan(store: Store, filter: string) {
  const q = pageQuery(searchDialect(store.dialect), {
    filter: parseRql(filter),
    namespaces: undefined,
    subjects: reader.subjects,
    visibility: 'full',
    now: NOW,
    sort: withTieBreaker([]),
    after: undefined,
    limit: 26,
  });
  return { ...q, sql: `${store.dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN'} ${q.sql}` };
}

describe('SQLite at 100k Things', () => {
  const COUNT = 100_000;
  let opened: OpenedStore & { path: string };

  beforeAll(async () => {
    opened = await openSqlite();
    await fill(opened.store, COUNT);
  }, 240_000);

  afterAll(async () => {
    await opened.close();
  });

  it('answers an indexed equality filter from the field index', async () => {
    const rows = await opened.store.search(plan(opened.store, 'eq(attributes/serial,"SN-4242")'));
    const details = rows.map((r) => String(r.detail));
    console.log(`EXPLAIN QUERY PLAN (SQLite, ${COUNT} things):\n${details.join('\n')}`);
    expect(details.some((d) => /SEARCH f USING PRIMARY KEY \(pid=\? AND kind=\? AND val=\?\)/.test(d))).toBe(
      true,
    );
    expect(details.some((d) => /SEARCH t USING INTEGER PRIMARY KEY \(rowid=\?\)/.test(d))).toBe(true);
    expect(details.some((d) => /SCAN t\b/.test(d))).toBe(false);
    const search = searchService(opened.store);
    const found = await search.search({ filter: 'eq(attributes/serial,"SN-4242")' }, reader);
    expect(found.items.map((i) => i.thingId)).toStrictEqual([`${NS}:device-004242`]);
  });

  it('answers a range on a feature property and a count from the field index', async () => {
    const rows = await opened.store.search(
      plan(opened.store, 'and(gt(features/pressure/properties/value,9.985),eq(attributes/floor,5))'),
    );
    const details = rows.map((r) => String(r.detail));
    expect(details.some((d) => /SEARCH f USING PRIMARY KEY \(pid=\? AND kind=\? AND val>\?\)/.test(d))).toBe(
      true,
    );
    expect(details.some((d) => /SCAN t\b/.test(d))).toBe(false);
    const search = searchService(opened.store);
    expect(await search.count({ filter: 'eq(attributes/floor,5)' }, reader)).toBe(COUNT / 20);
  });

  it("probes the caller's partial reader rows through the partial index, not all reader rows", async () => {
    const q = readerProbeQuery(searchDialect('sqlite'), reader.subjects);
    const rows = await opened.store.search({ ...q, sql: `EXPLAIN QUERY PLAN ${q.sql}` });
    const details = rows.map((r) => String(r.detail));
    expect(details.filter((d) => /USING INDEX policy_readers_partial \(subject=\?/.test(d))).toHaveLength(2);
    expect(details.some((d) => /SCAN r\b/.test(d))).toBe(false);
  });

  it('keeps the file within 2 KB per Thing (state, search index and all)', () => {
    const bytes =
      statSync(opened.path).size + (statSync(`${opened.path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    console.log(
      `SQLite file: ${(bytes / COUNT).toFixed(0)} bytes per Thing (no journal entries in this test)`,
    );
    expect(bytes / COUNT).toBeLessThan(2048);
  });
});

describe('PostgreSQL at 20k Things', () => {
  const COUNT = 20_000;
  let opened: OpenedStore & { schema: string };

  beforeAll(async () => {
    opened = await openPostgres();
    await fill(opened.store, COUNT, 1000);
    await opened.store.search({ sql: 'ANALYZE', params: [] });
  }, 240_000);

  afterAll(async () => {
    await opened.close();
  });

  it('answers an indexed equality filter from the string index of the field table', async () => {
    const rows = await opened.store.search(plan(opened.store, 'eq(attributes/serial,"SN-4242")'));
    const lines = rows.map((r) => String(r['QUERY PLAN']));
    console.log(`EXPLAIN (PostgreSQL, ${COUNT} things):\n${lines.join('\n')}`);
    expect(lines.some((l) => /Index (Only )?Scan using thing_fields_str/.test(l))).toBe(true);
    expect(lines.some((l) => /Seq Scan on things/.test(l))).toBe(false);
    const search = searchService(opened.store);
    const found = await search.search({ filter: 'eq(attributes/serial,"SN-4242")' }, reader);
    expect(found.items.map((i) => i.thingId)).toStrictEqual([`${NS}:device-004242`]);
  });
});
