/**
 * Policy-aware search on both real stores: only Things the caller may READ, filters on paths the
 * caller cannot read never match, `fields` are cut to the readable part, pages stay full and counts
 * exact when partial and full readers mix, a revoking subject takes the unrestricted view away, and
 * the SearchReaders decorator keeps the reader rows in step with Things and Policies.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compileEnforcer, namespaceOf, type JsonObject, type PolicyJson } from '@egiz/core';
import type { EntityRecord, Mutation, Store } from '../packages/server/src/store/port.js';
import {
  SearchReaders,
  policySubjectIds,
  searchReadersOf,
  type ReaderSource,
} from '../packages/server/src/search/search-readers.js';
import {
  forEachStore,
  freshNamespace,
  searchService,
} from '../packages/server/src/search/search-stores.testkit.js';

const grant = (...perms: string[]) => ({ grant: perms, revoke: [] as string[] });
const revoke = (...perms: string[]) => ({ grant: [] as string[], revoke: perms });
const subject = (id: string) => ({ [id]: { type: 'test' } });

/** u:partial reads everything but attributes/secret; u:full reads all; u:revoker only revokes. */
const PARTIAL: PolicyJson = {
  entries: {
    owner: { subjects: subject('u:full'), resources: { 'thing:/': grant('READ', 'WRITE') } },
    partial: {
      subjects: subject('u:partial'),
      resources: { 'thing:/': grant('READ'), 'thing:/attributes/secret': revoke('READ') },
    },
    guard: { subjects: subject('u:revoker'), resources: { 'thing:/attributes/secret': revoke('READ') } },
  },
};
/** Everybody of the test reads everything. */
const OPEN: PolicyJson = {
  entries: {
    all: {
      subjects: { ...subject('u:full'), ...subject('u:partial') },
      resources: { 'thing:/': grant('READ') },
    },
  },
};

const auth = (...subjects: string[]) => ({ subjects, primary: subjects[0] ?? '' });

function record(
  id: string,
  value: JsonObject,
  kind: 'thing' | 'policy' = 'thing',
  revision = 1,
): EntityRecord {
  return {
    kind,
    id,
    revision,
    deleted: false,
    created: '2024-01-01T00:00:00.000Z',
    modified: '2024-01-01T00:00:00.000Z',
    value: kind === 'thing' ? { thingId: id, ...value } : value,
  };
}

forEachStore((store) => {
  describe('partial readers', () => {
    const ns = freshNamespace('pol');
    const policies: Record<string, PolicyJson> = { [`${ns}:partial`]: PARTIAL, [`${ns}:open`]: OPEN };
    const enforcer = (policyId: string, namespace: string) => {
      const p = policies[policyId];
      return Promise.resolve(p ? compileEnforcer(p, { namespace }) : undefined);
    };
    const ids = Array.from({ length: 30 }, (_, i) => `${ns}:t${String(i).padStart(2, '0')}`);

    beforeAll(async () => {
      const readers = Object.entries(policies).map(([policyId, p]) =>
        searchReadersOf(compileEnforcer(p, { namespace: ns }), policyId, ns, policySubjectIds(p)),
      );
      const mutations: Mutation[] = ids.map((id, i) => ({
        next: record(id, {
          policyId: `${ns}:${i % 2 === 0 ? 'open' : 'partial'}`,
          attributes: { n: i, public: i % 3, secret: i % 2 === 0 ? 'open' : 'hidden' },
        }),
        expectedRevision: 0,
        events: [],
        ...(i === 0 ? { readers } : {}),
      }));
      expect((await store().commit(mutations)).conflicts).toStrictEqual([]);
    });

    it('classifies readers per subject, with the revoke-only subject as revoker', () => {
      const r = searchReadersOf(
        compileEnforcer(PARTIAL, { namespace: ns }),
        'p',
        ns,
        policySubjectIds(PARTIAL),
      );
      expect(r.full).toStrictEqual(['u:full']);
      expect(r.partial).toStrictEqual(['u:partial']);
      expect([...(r.revoked ?? [])].sort()).toStrictEqual(['u:partial', 'u:revoker']);
    });

    it('a filter on a path the caller cannot read never matches, also under not()', async () => {
      const search = searchService(store(), enforcer);
      const q = (filter: string, who = auth('u:partial')) =>
        search
          .search({ filter, namespaces: ns, option: 'size(200)' }, who)
          .then((r) => r.items.map((i) => i.thingId));
      expect(await q('eq(attributes/secret,"hidden")')).toStrictEqual([]);
      expect(await q('eq(attributes/secret,"open")')).toStrictEqual(ids.filter((_, i) => i % 2 === 0));
      expect(await q('not(exists(attributes/secret))')).toStrictEqual(ids.filter((_, i) => i % 2 === 1));
      expect(await q('eq(attributes/secret,"hidden")', auth('u:full'))).toStrictEqual(
        ids.filter((_, i) => i % 2 === 1),
      );
      expect(await q('exists(attributes)', auth('u:nobody'))).toStrictEqual([]);
    });

    it('cuts items and fields to the readable part', async () => {
      const search = searchService(store(), enforcer);
      const page = await search.search(
        {
          filter: `eq(thingId,"${ids[1] ?? ''}")`,
          fields: 'thingId,attributes/secret,attributes/n,_revision',
        },
        auth('u:partial'),
      );
      expect(page.items).toStrictEqual([{ thingId: ids[1], attributes: { n: 1 }, _revision: 1 }]);
      const whole = await search.search({ filter: `eq(thingId,"${ids[1] ?? ''}")` }, auth('u:partial'));
      expect(whole.items[0]?.attributes).toStrictEqual({ n: 1, public: 1 });
    });

    it('a revoking subject next to a full reader gives the partial view', async () => {
      const search = searchService(store(), enforcer);
      const who = auth('u:full', 'u:revoker');
      const found = await search.search(
        { filter: 'exists(attributes/secret)', namespaces: ns, option: 'size(200)' },
        who,
      );
      expect(found.items.map((i) => i.thingId)).toStrictEqual(ids.filter((_, i) => i % 2 === 0));
      expect(await search.count({ filter: 'exists(attributes/secret)', namespaces: ns }, who)).toBe(15);
    });

    it('pages stay full and in order, counts exact, while full and partial results interleave', async () => {
      const search = searchService(store(), enforcer);
      for (const [filter, want] of [
        [undefined, ids],
        ['ge(attributes/public,1)', ids.filter((_, i) => i % 3 >= 1)],
        ['not(eq(attributes/public,0))', ids.filter((_, i) => i % 3 !== 0)],
      ] as const) {
        const seen: unknown[] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await search.search(
            {
              ...(filter ? { filter } : {}),
              namespaces: ns,
              option: `sort(-attributes/n),size(7)${cursor ? `,cursor(${cursor})` : ''}`,
            },
            auth('u:partial'),
          );
          seen.push(...page.items.map((i) => i.thingId));
          if (!page.cursor) break;
          expect(page.items).toHaveLength(7);
          cursor = page.cursor;
        }
        expect(seen).toStrictEqual([...want].reverse());
        expect(await search.count({ ...(filter ? { filter } : {}), namespaces: ns }, auth('u:partial'))).toBe(
          want.length,
        );
      }
    });

    it('limit(offset,count) counts partial results like any other', async () => {
      const search = searchService(store(), enforcer);
      const page = await search.search({ namespaces: ns, option: 'limit(5,10)' }, auth('u:partial'));
      expect(page.items.map((i) => i.thingId)).toStrictEqual(ids.slice(5, 15));
      expect(page.nextPageOffset).toBe(15);
    });
  });

  describe('SearchReaders decorator', () => {
    it('writes reader rows with new Things and refreshes them when the policy changes', async () => {
      const ns = freshNamespace('dec');
      const policyId = `${ns}:p`;
      const stored = new Map<string, JsonObject>();
      const source: ReaderSource = (id, namespace, candidate) => {
        const json = (candidate ?? stored.get(id)) as PolicyJson | undefined;
        if (!json) return Promise.resolve(undefined);
        return Promise.resolve({
          enforcer: compileEnforcer(json, { namespace }),
          subjects: policySubjectIds(json),
        });
      };
      const writer: Store = new SearchReaders(store(), source);
      const policyV1 = OPEN as unknown as JsonObject;
      // Policy and Thing in one batch, as a creation with a default policy does.
      await writer.commit([
        { next: record(policyId, policyV1, 'policy'), expectedRevision: 0, events: [] },
        { next: record(`${ns}:a`, { policyId, attributes: { x: 1 } }), expectedRevision: 0, events: [] },
      ]);
      stored.set(policyId, policyV1);
      await writer.commit([
        { next: record(`${ns}:b`, { policyId, attributes: { x: 2 } }), expectedRevision: 0, events: [] },
      ]);
      const search = searchService(store(), (id, namespace) =>
        source(id, namespace, undefined).then((s) => s?.enforcer),
      );
      const visible = (who: string) =>
        search.search({ namespaces: ns }, auth(who)).then((r) => r.items.map((i) => i.thingId));
      expect(await visible('u:partial')).toStrictEqual([`${ns}:a`, `${ns}:b`]);
      expect(await store().readerNamespaces(policyId)).toStrictEqual([namespaceOf(`${ns}:a`)]);

      const policyV2 = {
        entries: { only: { subjects: subject('u:full'), resources: { 'thing:/': grant('READ') } } },
      };
      await writer.commit([
        { next: record(policyId, policyV2, 'policy', 2), expectedRevision: 1, events: [] },
      ]);
      stored.set(policyId, policyV2);
      expect(await visible('u:partial')).toStrictEqual([]);
      expect(await visible('u:full')).toStrictEqual([`${ns}:a`, `${ns}:b`]);

      await writer.commit([
        { next: { ...record(policyId, {}, 'policy', 3), deleted: true }, expectedRevision: 2, events: [] },
      ]);
      expect(await visible('u:full')).toStrictEqual([]);
    });

    it('after a restart computes rows only for pairs that have none (e.g. Things stored before search)', async () => {
      const ns = freshNamespace('rst');
      const policyId = `${ns}:p`;
      let calls = 0;
      const source: ReaderSource = (_id, namespace) => {
        calls++;
        return Promise.resolve({
          enforcer: compileEnforcer(OPEN, { namespace }),
          subjects: policySubjectIds(OPEN),
        });
      };
      // Written without reader rows, as by a store that predates search.
      await store().commit([
        { next: record(`${ns}:old`, { policyId, attributes: { x: 1 } }), expectedRevision: 0, events: [] },
      ]);
      const search = searchService(store());
      const visible = () =>
        search.search({ namespaces: ns }, auth('u:full')).then((r) => r.items.map((i) => i.thingId));
      expect(await visible()).toStrictEqual([]);
      await new SearchReaders(store(), source).commit([
        {
          next: record(`${ns}:old`, { policyId, attributes: { x: 2 } }, 'thing', 2),
          expectedRevision: 1,
          events: [],
        },
      ]);
      expect(calls).toBe(1);
      expect(await visible()).toStrictEqual([`${ns}:old`]);
      // A fresh process finds the rows and computes nothing for further writes in that pair.
      const restarted = new SearchReaders(store(), source);
      await restarted.commit([
        { next: record(`${ns}:new`, { policyId, attributes: { x: 3 } }), expectedRevision: 0, events: [] },
        {
          next: record(`${ns}:old`, { policyId, attributes: { x: 4 } }, 'thing', 3),
          expectedRevision: 2,
          events: [],
        },
      ]);
      expect(calls).toBe(1);
      expect(await visible()).toStrictEqual([`${ns}:new`, `${ns}:old`]);
    });
  });
});
