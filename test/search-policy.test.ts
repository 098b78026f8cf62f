/**
 * Policy-aware search on both real stores: only Things the caller may READ, filters on paths the
 * caller cannot read never match, `fields` are cut to the readable part, pages stay full and counts
 * exact when partial and full readers mix, a revoking subject takes the unrestricted view away, and
 * the SearchReaders decorator keeps the reader rows in step with Things and Policies.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compileEnforcer, namespaceOf, type JsonObject, type PolicyJson } from '@egiz/core';
import { PolicyEnforcers } from '../packages/server/src/dispatch/policy-enforcers.js';
import type { PolicyRepository } from '../packages/server/src/dispatch/policy-repository.js';
import { policyReaderSource } from '../packages/server/src/dispatch/reader-source.js';
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
      const source: ReaderSource = async (id, namespace, load) => {
        const json = (await load(id))?.policy as PolicyJson | undefined;
        if (!json) return undefined;
        return { enforcer: compileEnforcer(json, { namespace }), subjects: policySubjectIds(json) };
      };
      const fromStore = async (id: string) => {
        const r = await store().get('policy', id);
        return r && !r.deleted ? { policy: r.value, revision: r.revision } : undefined;
      };
      const writer: Store = new SearchReaders(store(), source);
      const policyV1 = OPEN as unknown as JsonObject;
      // Policy and Thing in one batch, as a creation with a default policy does.
      await writer.commit([
        { next: record(policyId, policyV1, 'policy'), expectedRevision: 0, events: [] },
        { next: record(`${ns}:a`, { policyId, attributes: { x: 1 } }), expectedRevision: 0, events: [] },
      ]);
      await writer.commit([
        { next: record(`${ns}:b`, { policyId, attributes: { x: 2 } }), expectedRevision: 0, events: [] },
      ]);
      const search = searchService(store(), (id, namespace) =>
        source(id, namespace, fromStore).then((s) => s?.enforcer),
      );
      const visible = (who: string) =>
        search.search({ namespaces: ns }, auth(who)).then((r) => r.items.map((i) => i.thingId));
      expect(await visible('u:partial')).toStrictEqual([`${ns}:a`, `${ns}:b`]);
      expect(await store().readerPairs([policyId])).toStrictEqual([
        { policyId, namespace: namespaceOf(`${ns}:a`) },
      ]);

      const policyV2 = {
        entries: { only: { subjects: subject('u:full'), resources: { 'thing:/': grant('READ') } } },
      };
      await writer.commit([
        { next: record(policyId, policyV2, 'policy', 2), expectedRevision: 1, events: [] },
      ]);
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

  describe('SearchReaders and the policies a policy uses', () => {
    const entry = (who: string, importable?: 'implicit' | 'explicit' | 'never') => ({
      subjects: subject(who),
      resources: { 'thing:/': grant('READ') },
      ...(importable === undefined ? {} : { importable }),
    });
    const policyJson = (entries: JsonObject, imports?: JsonObject): JsonObject => ({
      entries,
      ...(imports === undefined ? {} : { imports }),
    });
    /** Writes policies (revision from the store) through `writer`, deleting those mapped to undefined. */
    async function writePolicies(writer: Store, policies: Record<string, JsonObject | undefined>) {
      const mutations: Mutation[] = [];
      for (const [id, value] of Object.entries(policies)) {
        const stored = await store().get('policy', id);
        const revision = (stored?.revision ?? 0) + 1;
        const next = record(id, value ?? {}, 'policy', revision);
        mutations.push({
          next:
            value === undefined ? { ...next, deleted: true } : { ...next, value: { policyId: id, ...value } },
          expectedRevision: stored?.revision ?? 0,
          events: [],
        });
      }
      expect((await writer.commit(mutations)).conflicts).toStrictEqual([]);
    }
    const visibleTo = (namespaces: string, who: string) =>
      searchService(store())
        .search({ namespaces, option: 'size(200)' }, auth(who))
        .then((r) => r.items.map((i) => i.thingId));
    const countFor = (namespaces: string, who: string) =>
      searchService(store()).count({ namespaces }, auth(who));
    const readersWith = (roots: readonly { patterns: string[]; policyId: string }[] = []) =>
      new SearchReaders(
        store(),
        policyReaderSource(
          new PolicyEnforcers({} as PolicyRepository, { namespaceRoots: roots, clock: () => new Date() }),
          () => new Date(),
        ),
        { namespaceRoots: roots },
      );

    it('refreshes the policies importing a changed one, directly and through transitiveImports only', async () => {
      const ns = freshNamespace('imp');
      const [shared, mid, direct, transitive, plain] = ['shared', 'mid', 'direct', 'transitive', 'plain'].map(
        (name) => `${ns}:${name}`,
      ) as [string, string, string, string, string];
      const writer = readersWith();
      await writePolicies(writer, {
        [shared]: policyJson({ readers: entry('u:reader') }),
        [mid]: policyJson({}, { [shared]: {} }),
        [direct]: policyJson({}, { [shared]: {} }),
        [transitive]: policyJson({}, { [mid]: { transitiveImports: [shared] } }),
        // Imports mid without its imports: shared's entries do not reach it.
        [plain]: policyJson({}, { [mid]: {} }),
      });
      await writer.commit(
        [direct, transitive, plain].map((policyId) => ({
          next: record(`${ns}:of-${policyId.slice(ns.length + 1)}`, { policyId }),
          expectedRevision: 0,
          events: [],
        })),
      );
      const found = [`${ns}:of-direct`, `${ns}:of-transitive`];
      expect(await visibleTo(ns, 'u:reader')).toStrictEqual(found);

      await writePolicies(writer, { [shared]: policyJson({ readers: entry('u:other') }) });
      expect(await visibleTo(ns, 'u:reader')).toStrictEqual([]);
      expect(await countFor(ns, 'u:reader')).toBe(0);
      expect(await visibleTo(ns, 'u:other')).toStrictEqual(found);

      // `importable` is the enforcer's business: an entry that is never importable grants nothing.
      await writePolicies(writer, { [shared]: policyJson({ readers: entry('u:reader', 'never') }) });
      expect(await visibleTo(ns, 'u:reader')).toStrictEqual([]);
      await writePolicies(writer, { [shared]: policyJson({ readers: entry('u:reader', 'implicit') }) });
      expect(await visibleTo(ns, 'u:reader')).toStrictEqual(found);
      expect(await countFor(ns, 'u:reader')).toBe(2);

      // Deleted and created again, as other processes would see it: a fresh decorator.
      await writePolicies(readersWith(), { [shared]: undefined });
      expect(await visibleTo(ns, 'u:reader')).toStrictEqual([]);
      await writePolicies(readersWith(), { [shared]: policyJson({ readers: entry('u:reader') }) });
      expect(await visibleTo(ns, 'u:reader')).toStrictEqual(found);
    });

    it('refreshes every pair of a namespace root policy when it or a policy it imports changes', async () => {
      const ns = freshNamespace('root');
      const [root, team] = [`${ns}ops:root`, `${ns}ops:team`];
      const roots = [{ patterns: [ns, `${ns}.*`], policyId: root }];
      const writer = readersWith(roots);
      const things = [`${ns}:a`, `${ns}.sub:b`, `${ns}x:c`];
      await writePolicies(writer, {
        [root]: policyJson({ ops: entry('u:ops') }, { [team]: {} }),
        [team]: policyJson({ oncall: entry('u:oncall') }),
        [`${ns}:own`]: policyJson({ owner: entry('u:owner') }),
      });
      await writer.commit(
        things.map((id) => ({
          next: record(id, { policyId: `${ns}:own` }),
          expectedRevision: 0,
          events: [],
        })),
      );
      const everywhere = `${ns},${ns}.sub,${ns}x`;
      const governed = [`${ns}.sub:b`, `${ns}:a`];
      expect(await visibleTo(everywhere, 'u:ops')).toStrictEqual(governed);
      expect(await visibleTo(everywhere, 'u:oncall')).toStrictEqual(governed);

      await writePolicies(writer, { [root]: policyJson({ ops: entry('u:other') }, { [team]: {} }) });
      expect(await visibleTo(everywhere, 'u:ops')).toStrictEqual([]);
      expect(await countFor(everywhere, 'u:ops')).toBe(0);
      expect(await visibleTo(everywhere, 'u:other')).toStrictEqual(governed);
      await writePolicies(writer, { [team]: policyJson({ oncall: entry('u:nobody') }) });
      expect(await visibleTo(everywhere, 'u:oncall')).toStrictEqual([]);
      await writePolicies(writer, { [root]: policyJson({ ops: entry('u:ops') }, { [team]: {} }) });
      expect(await visibleTo(everywhere, 'u:ops')).toStrictEqual(governed);
      expect(await countFor(everywhere, 'u:ops')).toBe(2);
      await writePolicies(writer, { [root]: undefined });
      expect(await visibleTo(everywhere, 'u:ops')).toStrictEqual([]);
      expect(await visibleTo(everywhere, 'u:owner')).toStrictEqual([`${ns}.sub:b`, `${ns}:a`, `${ns}x:c`]);
    });

    it('orders batches in flight that meet at a policy, either way round', async () => {
      const ns = freshNamespace('fly');
      const [shared, importer] = [`${ns}:shared`, `${ns}:importer`];
      // The commit of the batch writing `gate.id` waits in the store until released: a batch in flight.
      let gate: { id: string; reached: () => void; release: Promise<void> } | undefined;
      const slow = new Proxy(store(), {
        get(target, prop) {
          const value: unknown = Reflect.get(target, prop, target);
          if (prop === 'commit')
            return async (mutations: readonly Mutation[]) => {
              const held = gate;
              if (held !== undefined && mutations.some((m) => m.next.id === held.id)) {
                gate = undefined;
                held.reached();
                await held.release;
              }
              return target.commit(mutations);
            };
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      /** Runs `second` while the batch of `first` that writes `id` is held in flight. */
      const whileInFlight = async (
        id: string,
        first: () => Promise<unknown>,
        second: () => Promise<unknown>,
      ) => {
        let reached: () => void = () => undefined;
        let release: () => void = () => undefined;
        const inFlight = new Promise<void>((resolve) => (reached = resolve));
        gate = { id, reached, release: new Promise<void>((resolve) => (release = resolve)) };
        const a = first();
        await inFlight;
        const b = second();
        // Whatever the second batch does before it would have to wait, it has done by now.
        await new Promise((resolve) => setTimeout(resolve, 50));
        release();
        await Promise.all([a, b]);
      };
      const writer = new SearchReaders(
        slow,
        policyReaderSource(
          new PolicyEnforcers({} as PolicyRepository, { clock: () => new Date() }),
          () => new Date(),
        ),
      );
      await writePolicies(writer, {
        [shared]: policyJson({ readers: entry('u:reader') }),
        [importer]: policyJson({}, { [shared]: {} }),
      });
      const thing = (id: string) => ({
        next: record(id, { policyId: importer }),
        expectedRevision: 0,
        events: [],
      });
      // A Thing in a new pair computes its rows from `shared`; meanwhile `shared` stops granting.
      await whileInFlight(
        `${ns}:a`,
        () => writer.commit([thing(`${ns}:a`)]),
        () => writePolicies(writer, { [shared]: policyJson({ readers: entry('u:other') }) }),
      );
      expect(await visibleTo(ns, 'u:reader')).toStrictEqual([]);
      expect(await visibleTo(ns, 'u:other')).toStrictEqual([`${ns}:a`]);

      // `shared` grants again while a Thing lands in another new pair of the importing policy.
      const other = `${ns}.b`;
      await whileInFlight(
        shared,
        () => writePolicies(writer, { [shared]: policyJson({ readers: entry('u:reader') }) }),
        () => writer.commit([thing(`${other}:b`)]),
      );
      expect(await visibleTo(`${ns},${other}`, 'u:reader')).toStrictEqual([`${ns}.b:b`, `${ns}:a`]);
      expect(await visibleTo(`${ns},${other}`, 'u:other')).toStrictEqual([]);
    });
  });
});
