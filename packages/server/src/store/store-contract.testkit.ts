/**
 * @module The one contract every Store adapter must pass (sqlite/, postgres/, any future one). Each
 * adapter's test file calls `runStoreContract` with a factory for a fresh, UNOPENED store; the suite
 * opens it (open() is under test too), closes it at the end and then calls `cleanup`.
 *
 * The suite shares one store across its tests, as a real deployment would, so every test works on
 * its own ids (`uid()`) and measures count() as a delta instead of assuming an empty store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRql, type JsonObject, type JsonValue } from '@egiz/core';
import { searchDialect } from '../search/sql/dialects.js';
import { pageQuery } from '../search/sql/search-sql.js';
import { withTieBreaker } from '../search/sql/sort-keys.js';
import type { EntityKind, EntityRecord, JournalEntry, Mutation, PolicyReaders, Store } from './port.js';

export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

const RUN = Math.random().toString(36).slice(2, 8);
let seq = 0;
/** A fresh id per call, so tests never see each other's rows in the shared store. */
const uid = (label: string): string => `contract.${label}:${RUN}-${++seq}`;

const BASE = Date.UTC(2024, 1, 29, 23, 59, 58, 0);
/** Millisecond-precision 'Z' timestamps, the exact form stores must hand back. */
const ts = (offsetMs: number): string => new Date(BASE + offsetMs).toISOString();

interface RecordOptions {
  readonly deleted?: boolean;
  readonly metadata?: JsonObject;
  readonly created?: string;
}

function rec(
  kind: EntityKind,
  id: string,
  revision: number,
  value: JsonObject = { rev: revision },
  o: RecordOptions = {},
): EntityRecord {
  return {
    kind,
    id,
    revision,
    deleted: o.deleted ?? false,
    created: o.created ?? ts(1),
    modified: ts(revision),
    value: o.deleted ? {} : value,
    ...(o.metadata ? { metadata: o.metadata } : {}),
  };
}

function ev(kind: EntityKind, id: string, revision: number, payload: JsonValue = { revision }): JournalEntry {
  return { kind, id, revision, timestamp: ts(revision), type: `${kind}.changed`, payload };
}

/** The usual shape: one entity moves from `from` to `from + 1` with one event. */
function step(
  kind: EntityKind,
  id: string,
  from: number,
  value?: JsonObject,
  o: RecordOptions = {},
): Mutation {
  const next = rec(kind, id, from + 1, value ?? { rev: from + 1 }, o);
  return { next, expectedRevision: from, events: [ev(kind, id, from + 1)] };
}

/** UTF-8 byte order: what SQLite's BINARY and PostgreSQL's "C" collation sort by. */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The store with `durableAt` checked and taken off every commit result: an adapter may report when
 * a batch became durable (optional), which must be a moment between the call and the answer; the
 * tests compare the rest exactly.
 */
function checkingDurableAt(store: Store): Store {
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === 'commit')
        return async (mutations: readonly Mutation[]) => {
          const called = performance.now();
          const { durableAt, ...rest } = await target.commit(mutations);
          if (durableAt !== undefined) {
            expect(durableAt).toBeGreaterThanOrEqual(called);
            expect(durableAt).toBeLessThanOrEqual(performance.now());
          }
          return rest;
        };
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const made = await factory();
      store = checkingDurableAt(made.store);
      cleanup = made.cleanup;
      await store.open();
    });

    afterAll(async () => {
      try {
        // Undefined only when the factory itself failed; that failure is the one worth reporting.
        await (store as Store | undefined)?.close();
      } finally {
        await cleanup?.();
      }
    });

    /** The namespaces of a policy's reader pairs, sorted. */
    async function namespacesOf(policyId: string): Promise<string[]> {
      const pairs = await store.readerPairs([policyId]);
      expect(pairs.every((p) => p.policyId === policyId)).toBe(true);
      return pairs.map((p) => p.namespace).sort(byteOrder);
    }

    /** Commits and insists nothing conflicted, for the set-up steps of a test. */
    async function commitAll(mutations: readonly Mutation[]): Promise<void> {
      expect(await store.commit(mutations)).toStrictEqual({ conflicts: [] });
    }

    describe('lifecycle', () => {
      it('ping() is true when open', async () => {
        expect(await store.ping()).toBe(true);
      });

      it('open() on an open store is harmless, and close() + open() keeps tables and data', async () => {
        const id = uid('reopen');
        await commitAll([step('thing', id, 0, { kept: true })]);
        await store.open();
        expect((await store.get('thing', id))?.value).toStrictEqual({ kept: true });

        await store.close();
        expect(await store.ping()).toBe(false);
        await store.open();
        expect(await store.ping()).toBe(true);
        expect(await store.get('thing', id)).toStrictEqual(rec('thing', id, 1, { kept: true }));
        expect(await store.journal('thing', id)).toStrictEqual([ev('thing', id, 1)]);
        expect(await store.count('policy')).toBeGreaterThanOrEqual(0);
      });

      it('a closed store rejects its calls (never throws synchronously)', async () => {
        await store.close();
        try {
          let promise: Promise<unknown> | undefined;
          expect(() => {
            promise = store.get('thing', uid('closed'));
          }).not.toThrow();
          await expect(promise).rejects.toThrow();
        } finally {
          await store.open();
        }
      });
    });

    describe('get and commit', () => {
      it('get of a missing id is undefined, for both kinds', async () => {
        expect(await store.get('thing', uid('missing'))).toBeUndefined();
        expect(await store.get('policy', uid('missing'))).toBeUndefined();
      });

      it('an empty batch commits nothing and conflicts nothing', async () => {
        expect(await store.commit([])).toStrictEqual({ conflicts: [] });
      });

      it('a new entity (expectedRevision 0) comes back exactly as committed', async () => {
        const id = uid('create');
        const next = rec(
          'thing',
          id,
          1,
          { thingId: id, attributes: { a: 1, b: [true, null, 'x'] } },
          {
            metadata: { attributes: { a: { lastSeen: '2024-01-01T00:00:00.000Z' } } },
            created: '2024-02-29T23:59:59.999Z',
          },
        );
        expect(
          await store.commit([{ next, expectedRevision: 0, events: [ev('thing', id, 1)] }]),
        ).toStrictEqual({ conflicts: [] });
        const got = await store.get('thing', id);
        expect(got).toStrictEqual(next);
        expect(got?.created).toBe('2024-02-29T23:59:59.999Z');
        expect(got?.modified).toBe(ts(1));
      });

      it('a record without metadata has no metadata key at all', async () => {
        const id = uid('nometa');
        await commitAll([step('policy', id, 0)]);
        const got = await store.get('policy', id);
        expect(got).toBeDefined();
        expect(Object.keys(got ?? {})).not.toContain('metadata');
      });

      it('metadata can be empty, and an update can drop it', async () => {
        const id = uid('meta');
        await commitAll([step('thing', id, 0, { v: 1 }, { metadata: {} })]);
        expect((await store.get('thing', id))?.metadata).toStrictEqual({});
        await commitAll([step('thing', id, 1, { v: 2 })]);
        expect(Object.keys((await store.get('thing', id)) ?? {})).not.toContain('metadata');
      });

      it('revisions are numbers, also beyond 32 bits', async () => {
        const id = uid('bigrev');
        const big = 2 ** 40 + 7;
        await commitAll([
          { next: rec('thing', id, big), expectedRevision: 0, events: [ev('thing', id, big)] },
        ]);
        await commitAll([step('thing', id, big)]);
        const got = await store.get('thing', id);
        expect(got?.revision).toBe(big + 1);
        expect(typeof got?.revision).toBe('number');
        const journal = await store.journal('thing', id, { fromRevision: big + 1 });
        expect(journal.map((e) => e.revision)).toStrictEqual([big + 1]);
      });

      it('an update with the right expectedRevision replaces the state and appends its events', async () => {
        const id = uid('update');
        await commitAll([step('thing', id, 0, { v: 1 })]);
        await commitAll([step('thing', id, 1, { v: 2, extra: 'x' }, { metadata: { v: { m: 1 } } })]);
        expect(await store.get('thing', id)).toStrictEqual(
          rec('thing', id, 2, { v: 2, extra: 'x' }, { metadata: { v: { m: 1 } } }),
        );
        expect(await store.journal('thing', id)).toStrictEqual([ev('thing', id, 1), ev('thing', id, 2)]);
      });

      it('a stale expectedRevision is a conflict (by index); the rest of the batch commits', async () => {
        const [stale, fresh, updated] = [uid('stale'), uid('fresh'), uid('updated')];
        await commitAll([step('thing', stale, 0), step('thing', stale, 1), step('policy', updated, 0)]);
        const result = await store.commit([
          step('policy', updated, 1, { ok: true }),
          step('thing', stale, 1, { lost: true }),
          step('thing', fresh, 0, { ok: true }),
        ]);
        expect(result).toStrictEqual({ conflicts: [1] });
        expect(await store.get('thing', stale)).toStrictEqual(rec('thing', stale, 2));
        expect((await store.journal('thing', stale)).map((e) => e.revision)).toStrictEqual([1, 2]);
        expect((await store.get('thing', fresh))?.value).toStrictEqual({ ok: true });
        expect((await store.get('policy', updated))?.revision).toBe(2);
        expect((await store.journal('policy', updated)).map((e) => e.revision)).toStrictEqual([1, 2]);
      });

      it('inserting an id that already exists (expectedRevision 0) is a conflict and changes nothing', async () => {
        const id = uid('dup');
        await commitAll([step('thing', id, 0, { first: true })]);
        const again: Mutation = {
          next: rec('thing', id, 1, { second: true }),
          expectedRevision: 0,
          events: [ev('thing', id, 1, 'second')],
        };
        expect(await store.commit([again])).toStrictEqual({ conflicts: [0] });
        expect((await store.get('thing', id))?.value).toStrictEqual({ first: true });
        expect(await store.journal('thing', id)).toStrictEqual([ev('thing', id, 1)]);
      });

      it('updating an id that does not exist (expectedRevision > 0) is a conflict, not an upsert', async () => {
        const id = uid('ghost');
        expect(await store.commit([step('thing', id, 3)])).toStrictEqual({ conflicts: [0] });
        expect(await store.get('thing', id)).toBeUndefined();
        expect(await store.journal('thing', id)).toStrictEqual([]);
      });

      it('several conflicts in one batch are all reported, in index order', async () => {
        const [a, b, c] = [uid('multi'), uid('multi'), uid('multi')];
        await commitAll([step('thing', a, 0), step('thing', b, 0)]);
        const result = await store.commit([
          step('thing', b, 0),
          step('thing', c, 0),
          step('thing', a, 5),
          step('thing', a, 1),
        ]);
        expect(result).toStrictEqual({ conflicts: [0, 2] });
        expect((await store.get('thing', a))?.revision).toBe(2);
        expect((await store.get('thing', c))?.revision).toBe(1);
      });

      it('the same entity twice in one batch applies in order', async () => {
        const id = uid('twice');
        await commitAll([step('thing', id, 0), step('thing', id, 1), step('thing', id, 2, { last: true })]);
        expect(await store.get('thing', id)).toStrictEqual(rec('thing', id, 3, { last: true }));
        expect((await store.journal('thing', id)).map((e) => e.revision)).toStrictEqual([1, 2, 3]);
        // Two writes decided on the same revision: the first wins, the second conflicts.
        const result = await store.commit([
          step('thing', id, 3, { winner: true }),
          step('thing', id, 3, { loser: true }),
        ]);
        expect(result).toStrictEqual({ conflicts: [1] });
        expect((await store.get('thing', id))?.value).toStrictEqual({ winner: true });
        expect(await store.journal('thing', id, { fromRevision: 4 })).toStrictEqual([ev('thing', id, 4)]);
      });

      it('a failing batch is atomic: nothing of it is written, and the store stays usable', async () => {
        const [before, dupe, after, existing] = [uid('atomic'), uid('atomic'), uid('atomic'), uid('atomic')];
        await commitAll([step('thing', existing, 0)]);
        // The middle mutation re-appends journal entry (existing, 1): a primary-key violation.
        const broken: Mutation = {
          next: rec('thing', existing, 2),
          expectedRevision: 1,
          events: [ev('thing', existing, 1)],
        };
        await expect(
          store.commit([step('thing', before, 0), broken, step('policy', after, 0)]),
        ).rejects.toThrow();
        expect(await store.get('thing', before)).toBeUndefined();
        expect(await store.get('policy', after)).toBeUndefined();
        expect(await store.journal('thing', before)).toStrictEqual([]);
        expect(await store.get('thing', existing)).toStrictEqual(rec('thing', existing, 1));
        expect(await store.journal('thing', existing)).toStrictEqual([ev('thing', existing, 1)]);

        // Two events with the same key inside one mutation fail the same way.
        const twin: Mutation = {
          next: rec('thing', dupe, 1),
          expectedRevision: 0,
          events: [ev('thing', dupe, 1), ev('thing', dupe, 1)],
        };
        await expect(store.commit([twin])).rejects.toThrow();
        expect(await store.get('thing', dupe)).toBeUndefined();

        await commitAll([step('thing', before, 0), step('policy', after, 0), step('thing', existing, 1)]);
        expect((await store.get('thing', existing))?.revision).toBe(2);
      });

      it('a failure late in a batch also undoes earlier writes to the same entity', async () => {
        const id = uid('atomic-chain');
        const broken: Mutation = {
          next: rec('thing', id, 2),
          expectedRevision: 1,
          events: [ev('thing', id, 1)],
        };
        await expect(store.commit([step('thing', id, 0), broken])).rejects.toThrow();
        expect(await store.get('thing', id)).toBeUndefined();
        expect(await store.journal('thing', id)).toStrictEqual([]);
      });
    });

    describe('journal', () => {
      const kind = 'thing';
      let id: string;
      let all: JournalEntry[];

      beforeAll(async () => {
        id = uid('journal');
        const payloads: JsonValue[] = [
          { created: true },
          'a string payload',
          42,
          [1, 'two', { three: 3 }],
          null,
          { deep: { er: [] } },
        ];
        all = payloads.map((p, i) => ev(kind, id, i + 1, p));
        const [e1, e2, e3, e4, e5, e6] = all as [
          JournalEntry,
          JournalEntry,
          JournalEntry,
          JournalEntry,
          JournalEntry,
          JournalEntry,
        ];
        await commitAll([{ next: rec(kind, id, 1), expectedRevision: 0, events: [e1] }]);
        await commitAll([{ next: rec(kind, id, 2), expectedRevision: 1, events: [e2] }]);
        // One mutation may carry several events, in any order: reads sort by revision.
        await commitAll([{ next: rec(kind, id, 5), expectedRevision: 2, events: [e5, e3, e4] }]);
        await commitAll([{ next: rec(kind, id, 6), expectedRevision: 5, events: [e6] }]);
      });

      it('returns every event in revision order, exactly as written', async () => {
        expect(await store.journal(kind, id)).toStrictEqual(all);
        expect(await store.journal(kind, id, {})).toStrictEqual(all);
      });

      it('filters by fromRevision and toRevision, both inclusive', async () => {
        const revs = async (q: Parameters<Store['journal']>[2]) =>
          (await store.journal(kind, id, q)).map((e) => e.revision);
        expect(await revs({ fromRevision: 3 })).toStrictEqual([3, 4, 5, 6]);
        expect(await revs({ toRevision: 2 })).toStrictEqual([1, 2]);
        expect(await revs({ fromRevision: 2, toRevision: 4 })).toStrictEqual([2, 3, 4]);
        expect(await revs({ fromRevision: 4, toRevision: 4 })).toStrictEqual([4]);
        expect(await revs({ fromRevision: 5, toRevision: 2 })).toStrictEqual([]);
        expect(await revs({ fromRevision: 7 })).toStrictEqual([]);
        expect(await revs({ fromRevision: 0 })).toStrictEqual([1, 2, 3, 4, 5, 6]);
      });

      it('filters by toTimestamp, inclusive', async () => {
        const revs = async (toTimestamp: string) =>
          (await store.journal(kind, id, { toTimestamp })).map((e) => e.revision);
        expect(await revs(ts(3))).toStrictEqual([1, 2, 3]);
        expect(await revs(new Date(BASE + 3.5).toISOString())).toStrictEqual([1, 2, 3]);
        expect(await revs(ts(0))).toStrictEqual([]);
        expect(await revs('2999-01-01T00:00:00.000Z')).toStrictEqual([1, 2, 3, 4, 5, 6]);
      });

      it('limits the number of events, after the other filters', async () => {
        const revs = async (q: Parameters<Store['journal']>[2]) =>
          (await store.journal(kind, id, q)).map((e) => e.revision);
        expect(await revs({ limit: 2 })).toStrictEqual([1, 2]);
        expect(await revs({ fromRevision: 3, limit: 2 })).toStrictEqual([3, 4]);
        expect(await revs({ fromRevision: 2, toTimestamp: ts(5), limit: 10 })).toStrictEqual([2, 3, 4, 5]);
        expect(await revs({ limit: 100 })).toStrictEqual([1, 2, 3, 4, 5, 6]);
      });

      it('is empty for an unknown id and keeps kinds apart', async () => {
        expect(await store.journal(kind, uid('nojournal'))).toStrictEqual([]);
        expect(await store.journal('policy', id)).toStrictEqual([]);
      });
    });

    describe('kinds, deletion, listing and counting', () => {
      it('things and policies are separate namespaces', async () => {
        const id = uid('both');
        await commitAll([step('thing', id, 0, { thing: true }), step('policy', id, 0, { policy: true })]);
        expect((await store.get('thing', id))?.value).toStrictEqual({ thing: true });
        expect((await store.get('policy', id))?.value).toStrictEqual({ policy: true });
        expect((await store.get('policy', id))?.kind).toBe('policy');
        expect((await store.journal('policy', id)).map((e) => e.kind)).toStrictEqual(['policy']);

        await commitAll([step('thing', id, 1, {}, { deleted: true })]);
        expect((await store.get('policy', id))?.deleted).toBe(false);
        expect((await store.getMany('policy', [id])).map((r) => r.value)).toStrictEqual([{ policy: true }]);
        expect(await store.listIds('policy', undefined, 1_000_000)).toContain(id);
        expect(await store.listIds('thing', undefined, 1_000_000)).not.toContain(id);
      });

      it('a deleted entity keeps its row and revision, is not counted and not listed', async () => {
        const [gone, stays] = [uid('del'), uid('del')];
        const [things0, policies0] = [await store.count('thing'), await store.count('policy')];
        await commitAll([step('thing', gone, 0), step('thing', stays, 0)]);
        expect(await store.count('thing')).toBe(things0 + 2);

        await commitAll([step('thing', gone, 1, {}, { deleted: true })]);
        expect(await store.get('thing', gone)).toStrictEqual(rec('thing', gone, 2, {}, { deleted: true }));
        expect(await store.count('thing')).toBe(things0 + 1);
        expect(await store.count('policy')).toBe(policies0);
        const listed = await store.listIds('thing', undefined, 1_000_000);
        expect(listed).toContain(stays);
        expect(listed).not.toContain(gone);
        expect((await store.journal('thing', gone)).map((e) => e.revision)).toStrictEqual([1, 2]);

        // Recreating goes through the kept row (expectedRevision = its revision), never a fresh insert.
        expect(await store.commit([step('thing', gone, 0)])).toStrictEqual({ conflicts: [0] });
        await commitAll([step('thing', gone, 2, { back: true })]);
        expect(await store.get('thing', gone)).toStrictEqual(rec('thing', gone, 3, { back: true }));
        expect(await store.count('thing')).toBe(things0 + 2);
      });

      it('listIds pages through live ids in byte order with `after`', async () => {
        const prefix = `${uid('list')}:`;
        const suffixes = ['b', 'B', 'a', '_', 'aa', 'a-b', 'a.b', 'é', 'z', 'Z', '0', '~', '中', 'a b'];
        const ids = suffixes.map((s) => prefix + s);
        const deleted = `${prefix}deleted`;
        await commitAll([...ids.map((id) => step('thing', id, 0)), step('thing', deleted, 0)]);
        await commitAll([step('thing', deleted, 1, {}, { deleted: true })]);
        await commitAll([step('policy', `${prefix}policy-only`, 0)]);

        const seen: string[] = [];
        let after = prefix;
        for (let pages = 0; pages < 20; pages++) {
          const page = await store.listIds('thing', after, 3);
          expect(page.length).toBeLessThanOrEqual(3);
          const ours = page.filter((id) => id.startsWith(prefix));
          seen.push(...ours);
          if (ours.length < page.length || page.length < 3) break;
          after = page[page.length - 1] as string;
        }
        expect(seen).toStrictEqual([...ids].sort(byteOrder));
        expect(await store.listIds('thing', prefix, 0)).toStrictEqual([]);
        const first = await store.listIds('thing', undefined, 1);
        expect(first).toHaveLength(1);
      });

      it('getMany returns the existing records (deleted ones too), once each, and skips missing ids', async () => {
        const [live, dead, missing] = [uid('many'), uid('many'), uid('many')];
        await commitAll([step('policy', live, 0), step('policy', dead, 0)]);
        await commitAll([step('policy', dead, 1, {}, { deleted: true })]);
        const got = await store.getMany('policy', [missing, dead, live, live]);
        expect([...got].sort((a, b) => byteOrder(a.id, b.id))).toStrictEqual(
          [rec('policy', live, 1), rec('policy', dead, 2, {}, { deleted: true })].sort((a, b) =>
            byteOrder(a.id, b.id),
          ),
        );
        expect(await store.getMany('policy', [])).toStrictEqual([]);
        expect(await store.getMany('thing', [live])).toStrictEqual([]);
      });

      it('getMany handles a large id list', async () => {
        const ids = Array.from({ length: 600 }, () => uid('bulk'));
        await commitAll(ids.map((id) => step('thing', id, 0)));
        const got = await store.getMany('thing', [...ids, uid('bulk-missing')]);
        expect(got.map((r) => r.id).sort(byteOrder)).toStrictEqual([...ids].sort(byteOrder));
      });
    });

    describe('values and ids', () => {
      it('unicode, escapes and JSON numbers round-trip', async () => {
        const id = `${uid('unicode')}:漢字-😀`;
        const value: JsonObject = {
          emoji: '😀 👩‍👩‍👧 🇦🇹',
          cjk: '漢字かなカナ',
          rtl: 'مرحبا بالعالم',
          combining: 'e\u0301 vs \u00e9',
          escapes: 'quote " backslash \\ slash / newline \n tab \t cr \r',
          control: '\u0001\u001f\u007f\u0080\u2028\u2029',
          specials: '\ufeff\ufffd\uffff',
          sqlish: "it's -- not /* a */ comment; $1 ? %s",
          'key with spaces/and~slashes': true,
          'ключ.с.точками': 'значение',
          '': 'empty key',
          numbers: [
            0,
            -1,
            1.5,
            0.1,
            -2.5e-7,
            1e21,
            2 ** 53 - 1,
            -(2 ** 53 - 1),
            1.7976931348623157e308,
            5e-324,
            123456.789,
          ],
          nested: { a: [[], {}, [null, true, false]], b: { c: { d: { e: 'deep' } } } },
        };
        const metadata: JsonObject = { ü: { ß: '✓' } };
        const next = rec('thing', id, 1, value, { metadata });
        const event = ev('thing', id, 1, { value, note: '😀' });
        await commitAll([{ next, expectedRevision: 0, events: [event] }]);
        expect(await store.get('thing', id)).toStrictEqual(next);
        expect(await store.journal('thing', id)).toStrictEqual([event]);
        expect((await store.getMany('thing', [id]))[0]).toStrictEqual(next);
      });

      it('a large (90 kB) value and payload round-trip', async () => {
        const id = uid('large');
        const value: JsonObject = {
          rows: Array.from({ length: 800 }, (_, i) => ({ i, name: `row-${i}`, ok: i % 2 === 0, v: i / 7 })),
          blob: 'x'.repeat(45_000) + 'ü😀"\\',
        };
        expect(Buffer.byteLength(JSON.stringify(value))).toBeGreaterThan(90_000);
        const event = ev('thing', id, 1, value);
        await commitAll([{ next: rec('thing', id, 1, value), expectedRevision: 0, events: [event] }]);
        expect((await store.get('thing', id))?.value).toStrictEqual(value);
        expect(await store.journal('thing', id)).toStrictEqual([event]);
      });

      it('ids that look like SQL are stored verbatim (no injection)', async () => {
        const tag = uid('inject');
        const nasty = [
          "'; DROP TABLE things; --",
          "x' OR '1'='1",
          '"); DELETE FROM journal; --',
          "Robert'); DROP TABLE policies;--",
          "\\'",
          '\\',
          '{a,b}',
          '"quoted"',
          '$1',
          '%_*?',
          '/* c */',
          'line\nbreak\ttab',
          ';',
        ].map((s) => `${s}|${tag}`);
        // Bare, so they also probe adapters that key maps or objects by id in JavaScript.
        const plain = ['NULL', 'null', '__proto__', 'constructor', 'hasOwnProperty'];
        const all = [...nasty, ...plain];
        const counts = [await store.count('thing'), await store.count('policy')];
        await commitAll(all.flatMap((id) => [step('thing', id, 0, { id }), step('policy', id, 0, { id })]));
        for (const id of all) {
          expect((await store.get('thing', id))?.value).toStrictEqual({ id });
          expect((await store.get('policy', id))?.id).toBe(id);
          expect((await store.journal('thing', id)).map((e) => e.id)).toStrictEqual([id]);
        }
        expect((await store.getMany('thing', all)).map((r) => r.id).sort(byteOrder)).toStrictEqual(
          [...all].sort(byteOrder),
        );
        const listed = await store.listIds('thing', undefined, 1_000_000);
        for (const id of all) expect(listed).toContain(id);
        await commitAll(all.map((id) => step('thing', id, 1, { id, again: true })));
        expect(await store.count('thing')).toBe((counts[0] ?? 0) + all.length);
        expect(await store.count('policy')).toBe((counts[1] ?? 0) + all.length);
        expect(await store.get('thing', `' OR '1'='1`)).toBeUndefined();
      });
    });

    describe('search index', () => {
      const SUBJECT = 'contract:reader';
      /** Ids of live Things in `ns` matching `filter` that SUBJECT reads in full (as the search asks). */
      async function found(
        ns: string,
        filter: string,
        subjects: readonly string[] = [SUBJECT],
      ): Promise<string[]> {
        const rows = await store.search(
          pageQuery(searchDialect(store.dialect), {
            filter: parseRql(filter),
            namespaces: [ns],
            subjects,
            visibility: 'full',
            now: new Date(BASE),
            sort: withTieBreaker([]),
            after: undefined,
            limit: 1000,
          }),
        );
        return rows.map((r) => r.id as string);
      }
      const readers = (ns: string, full: readonly string[] = [SUBJECT]): PolicyReaders => ({
        policyId: `${ns}:policy`,
        namespace: ns,
        full,
        partial: [],
      });
      const thing = (
        ns: string,
        name: string,
        revision: number,
        attributes: JsonObject,
        o: RecordOptions = {},
      ) => rec('thing', `${ns}:${name}`, revision, { policyId: `${ns}:policy`, attributes }, o);
      let n = 0;
      const ns = () => `contract.search${RUN}x${++n}`;

      it('follows creations, updates, deletions and re-creations of Things', async () => {
        const space = ns();
        const a = thing(space, 'a', 1, { x: 1, tags: ['p', 'q'] });
        await commitAll([{ next: a, expectedRevision: 0, events: [], readers: [readers(space)] }]);
        expect(await found(space, 'eq(attributes/x,1)')).toStrictEqual([a.id]);
        expect(await found(space, 'eq(attributes/tags,"q")')).toStrictEqual([a.id]);

        const a2 = thing(space, 'a', 2, { x: 2, tags: ['p'] });
        await commitAll([{ next: a2, expectedRevision: 1, events: [] }]);
        expect(await found(space, 'eq(attributes/x,1)')).toStrictEqual([]);
        expect(await found(space, 'eq(attributes/x,2)')).toStrictEqual([a.id]);
        expect(await found(space, 'eq(attributes/tags,"q")')).toStrictEqual([]);

        // `previous` handed in by the caller gives the same index as one the adapter reads itself.
        const a3 = thing(space, 'a', 3, { x: 3, y: 'new' });
        await commitAll([{ next: a3, expectedRevision: 2, events: [], previous: a2 }]);
        expect(await found(space, 'and(eq(attributes/x,3),eq(attributes/y,"new"))')).toStrictEqual([a.id]);
        expect(await found(space, 'exists(attributes/tags)')).toStrictEqual([]);

        await commitAll([
          { next: thing(space, 'a', 4, {}, { deleted: true }), expectedRevision: 3, events: [] },
        ]);
        expect(await found(space, 'exists(attributes)')).toStrictEqual([]);
        expect(await found(space, 'exists(thingId)')).toStrictEqual([]);

        await commitAll([{ next: thing(space, 'a', 5, { x: 5 }), expectedRevision: 4, events: [] }]);
        expect(await found(space, 'exists(attributes/x)')).toStrictEqual([a.id]);
        expect(await found(space, 'eq(attributes/x,3)')).toStrictEqual([]);
      });

      it('applies several writes of one Thing in a batch in order, and nothing of a conflict', async () => {
        const space = ns();
        const id = `${space}:b`;
        await commitAll([
          {
            next: thing(space, 'b', 1, { v: 'one' }),
            expectedRevision: 0,
            events: [],
            readers: [readers(space)],
          },
          { next: thing(space, 'b', 2, { v: 'two' }), expectedRevision: 1, events: [] },
          { next: thing(space, 'b', 3, { v: 'three', w: true }), expectedRevision: 2, events: [] },
        ]);
        expect(await found(space, 'exists(attributes/v)')).toStrictEqual([id]);
        expect(await found(space, 'in(attributes/v,"one","two")')).toStrictEqual([]);
        expect(await found(space, 'eq(attributes/w,true)')).toStrictEqual([id]);
        const stale = await store.commit([
          { next: thing(space, 'b', 3, { v: 'stale' }), expectedRevision: 2, events: [] },
        ]);
        expect(stale).toStrictEqual({ conflicts: [0] });
        expect(await found(space, 'eq(attributes/v,"stale")')).toStrictEqual([]);
        expect(await found(space, 'eq(attributes/v,"three")')).toStrictEqual([id]);
      });

      it('a failing batch leaves the index as it was', async () => {
        const space = ns();
        const ok = thing(space, 'ok', 1, { v: 1 });
        await commitAll([
          { next: ok, expectedRevision: 0, events: [ev('thing', ok.id, 1)], readers: [readers(space)] },
        ]);
        await expect(
          store.commit([
            { next: thing(space, 'new', 1, { v: 1 }), expectedRevision: 0, events: [] },
            { next: thing(space, 'ok', 2, { v: 2 }), expectedRevision: 1, events: [ev('thing', ok.id, 1)] },
          ]),
        ).rejects.toThrow();
        expect(await found(space, 'exists(attributes/v)')).toStrictEqual([ok.id]);
        expect(await found(space, 'eq(attributes/v,2)')).toStrictEqual([]);
      });

      it('replaces reader rows per (policy, namespace) and lists the namespaces of a policy', async () => {
        const space = ns();
        const t = thing(space, 'r', 1, { v: 1 });
        await commitAll([
          { next: t, expectedRevision: 0, events: [], readers: [readers(space, ['s:1', 's:2'])] },
        ]);
        expect(await found(space, 'exists(thingId)', ['s:2'])).toStrictEqual([t.id]);
        expect(await namespacesOf(`${space}:policy`)).toStrictEqual([space]);
        // Rows ride on any mutation, here a policy's; a revoking subject hides the full view.
        await commitAll([
          {
            next: rec('policy', `${space}:policy`, 1),
            expectedRevision: 0,
            events: [],
            readers: [{ ...readers(space, ['s:1']), revoked: ['s:3'] }],
          },
        ]);
        expect(await found(space, 'exists(thingId)', ['s:2'])).toStrictEqual([]);
        expect(await found(space, 'exists(thingId)', ['s:1'])).toStrictEqual([t.id]);
        expect(await found(space, 'exists(thingId)', ['s:1', 's:3'])).toStrictEqual([]);
        // Rows of a mutation that conflicts are not written.
        const conflict = await store.commit([
          {
            next: rec('policy', `${space}:policy`, 1),
            expectedRevision: 0,
            events: [],
            readers: [readers(space, [])],
          },
        ]);
        expect(conflict).toStrictEqual({ conflicts: [0] });
        expect(await found(space, 'exists(thingId)', ['s:1'])).toStrictEqual([t.id]);
        // The namespaces to recompute include those of live Things without rows yet.
        const other = `${space}x`;
        await commitAll([step('thing', `${other}:t`, 0, { policyId: `${space}:policy` })]);
        expect(await namespacesOf(`${space}:policy`)).toStrictEqual([space, other]);
        await commitAll([
          step('policy', `${space}:policy`, 1, {}, { deleted: true }),
          { ...step('thing', t.id, 1, t.value), readers: [readers(space, [])] },
          step('thing', `${other}:t`, 1, {}, { deleted: true }),
        ]);
        expect(await found(space, 'exists(thingId)', ['s:1'])).toStrictEqual([]);
        expect(await namespacesOf(`${space}:policy`)).toStrictEqual([space]);
        await commitAll([step('thing', t.id, 2, {}, { deleted: true })]);
        expect(await namespacesOf(`${space}:policy`)).toStrictEqual([]);
      });

      it('keeps the import index of every Policy it writes, in the same transaction', async () => {
        const space = ns();
        const [p, q, r, s, x] = ['p', 'q', 'r', 's', '__proto__'].map((name) => `${space}:${name}`) as [
          string,
          string,
          string,
          string,
          string,
        ];
        const importing = (revision: number, imports: JsonValue) => rec('policy', q, revision, { imports });
        const links = async (imported: string, via = '') =>
          (await store.policyImportLinks([{ imported, via }])).map(
            (l) => `${l.importer}<${l.imported}<${l.via}`,
          );
        await commitAll([
          {
            next: importing(1, { [p]: {}, [r]: { transitiveImports: [s, s], entries: ['a'] } }),
            expectedRevision: 0,
            events: [],
          },
        ]);
        expect(await links(p)).toStrictEqual([`${q}<${p}<`]);
        expect(await links(r)).toStrictEqual([`${q}<${r}<`]);
        expect(await links(r, s)).toStrictEqual([`${q}<${r}<${s}`]);
        expect(await links(s)).toStrictEqual([]);
        // Several keys at once, each link once.
        expect(
          (
            await store.policyImportLinks([
              { imported: p, via: '' },
              { imported: r, via: s },
              { imported: p, via: '' },
            ])
          )
            .map((l) => l.via)
            .sort(),
        ).toStrictEqual(['', s]);
        // A change replaces the rows; a conflicting write leaves them.
        await commitAll([{ next: importing(2, { [r]: {} }), expectedRevision: 1, events: [] }]);
        expect(await links(p)).toStrictEqual([]);
        expect(await links(r)).toStrictEqual([`${q}<${r}<`]);
        expect(await links(r, s)).toStrictEqual([]);
        expect(
          await store.commit([{ next: importing(2, { [x]: {} }), expectedRevision: 1, events: [] }]),
        ).toStrictEqual({ conflicts: [0] });
        expect(await links(x)).toStrictEqual([]);
        // Two writes of one Policy in a batch: the last one counts.
        await commitAll([
          { next: importing(3, { [p]: {} }), expectedRevision: 2, events: [] },
          { next: importing(4, { [x]: { transitiveImports: [p] } }), expectedRevision: 3, events: [] },
        ]);
        expect(await links(p)).toStrictEqual([]);
        expect(await links(r)).toStrictEqual([]);
        expect(await links(x, p)).toStrictEqual([`${q}<${x}<${p}`]);
        // Whatever the JSON holds, only object imports and string transitive ids count.
        await commitAll([
          {
            next: importing(5, { [p]: null, [r]: { transitiveImports: 'no' } }),
            expectedRevision: 4,
            events: [],
          },
          step('policy', `${space}:odd`, 0, { imports: ['no'] }),
        ]);
        expect(await links(p)).toStrictEqual([`${q}<${p}<`]);
        expect(await links(r)).toStrictEqual([`${q}<${r}<`]);
        expect(await links('0')).toStrictEqual([]);
        // A failing batch writes none; a deleted Policy has none.
        await expect(
          store.commit([
            { next: importing(6, { [s]: {} }), expectedRevision: 5, events: [ev('policy', q, 6)] },
            { next: rec('policy', `${space}:dup`, 1), expectedRevision: 0, events: [ev('policy', q, 6)] },
          ]),
        ).rejects.toThrow();
        expect(await links(s)).toStrictEqual([]);
        await commitAll([step('policy', q, 5, {}, { deleted: true })]);
        expect(await links(p)).toStrictEqual([]);
        expect(await links(r)).toStrictEqual([]);
      });

      it('lists the reader pairs of policies and of namespace patterns', async () => {
        const space = ns();
        const [sub, deep, beside] = [`${space}.sub`, `${space}.sub.deep`, `${space}x`];
        const policy = (name: string) => `${space}:${name}`;
        const governed = (id: string, policyId: string) => rec('thing', id, 1, { policyId });
        await commitAll([
          { next: governed(`${space}:a`, policy('p1')), expectedRevision: 0, events: [] },
          { next: governed(`${sub}:b`, policy('p2')), expectedRevision: 0, events: [] },
          { next: governed(`${sub}:c`, policy('p2')), expectedRevision: 0, events: [] },
          { next: governed(`${beside}:d`, policy('p3')), expectedRevision: 0, events: [] },
          {
            next: governed(`${space}:gone`, policy('p5')),
            expectedRevision: 0,
            events: [],
            // Rows of a pair without live Things (here in a namespace without any Thing).
            readers: [{ policyId: policy('p4'), namespace: deep, full: ['s:1'], partial: [] }],
          },
        ]);
        await commitAll([step('thing', `${space}:gone`, 1, {}, { deleted: true })]);
        const key = (pairs: readonly { policyId: string; namespace: string }[]) =>
          pairs.map((p) => `${p.policyId}@${p.namespace}`).sort(byteOrder);
        expect(key(await store.readerPairsIn([space]))).toStrictEqual([`${policy('p1')}@${space}`]);
        expect(key(await store.readerPairsIn([`${space}.*`]))).toStrictEqual([
          `${policy('p2')}@${sub}`,
          `${policy('p4')}@${deep}`,
        ]);
        expect(key(await store.readerPairsIn([space, `${space}.*`, space]))).toStrictEqual(
          key([
            { policyId: policy('p1'), namespace: space },
            { policyId: policy('p2'), namespace: sub },
            { policyId: policy('p4'), namespace: deep },
          ]),
        );
        expect(key(await store.readerPairsIn([`${sub}.*`]))).toStrictEqual([`${policy('p4')}@${deep}`]);
        expect(await store.readerPairsIn([])).toStrictEqual([]);
        expect(
          key(
            await store.readerPairs([policy('p1'), policy('p2'), policy('p4'), policy('p5'), policy('p2')]),
          ),
        ).toStrictEqual(
          key([
            { policyId: policy('p1'), namespace: space },
            { policyId: policy('p2'), namespace: sub },
            { policyId: policy('p4'), namespace: deep },
          ]),
        );
        expect(await store.readerPairs([])).toStrictEqual([]);
      });

      it('keeps secrets: random, per name, and the same after a reopen', async () => {
        const first = await store.secret('contract-a');
        expect(first.length).toBeGreaterThanOrEqual(32);
        expect(Buffer.from(await store.secret('contract-a')).equals(Buffer.from(first))).toBe(true);
        expect(Buffer.from(await store.secret('contract-b')).equals(Buffer.from(first))).toBe(false);
        await store.close();
        await store.open();
        expect(Buffer.from(await store.secret('contract-a')).equals(Buffer.from(first))).toBe(true);
      });
    });

    describe('concurrency', () => {
      it('concurrent commits of different entities all land', async () => {
        const before = await store.count('thing');
        const batches = Array.from({ length: 20 }, () => Array.from({ length: 5 }, () => uid('conc')));
        const results = await Promise.all(
          batches.map((ids) => store.commit(ids.map((id) => step('thing', id, 0)))),
        );
        expect(results.every((r) => r.conflicts.length === 0)).toBe(true);
        const ids = batches.flat();
        expect(await store.getMany('thing', ids)).toHaveLength(ids.length);
        expect(await store.count('thing')).toBe(before + ids.length);
      });

      it('concurrent updates decided on the same revision: exactly one wins', async () => {
        const id = uid('race');
        await commitAll([step('thing', id, 0)]);
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.commit([step('thing', id, 1, { writer: i })])),
        );
        const winners = results.flatMap((r, i) => (r.conflicts.length === 0 ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => r.conflicts.length === 1)).toHaveLength(7);
        expect((await store.get('thing', id))?.value).toStrictEqual({ writer: winners[0] ?? -1 });
        expect((await store.journal('thing', id)).map((e) => e.revision)).toStrictEqual([1, 2]);
      });

      it('concurrent creations of the same id: exactly one wins', async () => {
        const id = uid('race-create');
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.commit([step('policy', id, 0, { writer: i })])),
        );
        expect(results.filter((r) => r.conflicts.length === 0)).toHaveLength(1);
        expect(await store.journal('policy', id)).toHaveLength(1);
      });
    });
  });
}
