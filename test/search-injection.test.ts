/**
 * No value or property of a search reaches SQL except as a parameter: Things whose keys and values
 * are made of quotes, semicolons, comments and placeholder look-alikes are found exactly (compared
 * with the evaluator), nothing errors or changes, and none of those strings ever appears in the SQL
 * text the search sends to either store.
 */
import { expect, it } from 'vitest';
import {
  compileRqlPredicate,
  formatRql,
  formatSearchOptions,
  type RqlNode,
  type RqlScalar,
} from '@egiz/core';
import type { SearchQuery, Store } from '../packages/server/src/store/port.js';
import { searchDialect } from '../packages/server/src/search/sql/dialects.js';
import { countQuery, pageQuery } from '../packages/server/src/search/sql/search-sql.js';
import { sortSource, withTieBreaker, type SortSpec } from '../packages/server/src/search/sql/sort-keys.js';
import {
  NOW,
  createThings,
  forEachStore,
  freshNamespace,
  reader,
  searchService,
  thingRecord,
} from '../packages/server/src/search/search-stores.testkit.js';

const NASTY = [
  "' OR 1=1 --",
  '" OR ""="',
  "'; DROP TABLE things; --",
  "'); DELETE FROM thing_fields; --",
  "\\' OR '1'='1",
  "%' OR '1'='1",
  '*/ SELECT 1 /*',
  '-- comment',
  '$1',
  '@p1',
  '?',
  ':name',
  'x\u2028y',
  "é'ö",
  'UNION SELECT id FROM policies',
] as const;

/** Placeholder look-alikes occur in SQL as real placeholders; every other string must not occur at all. */
const CHECKED = NASTY.filter((s) => !['$1', '@p1', '?'].includes(s));
const isIn = (haystack: string) => (needle: string) => haystack.includes(needle);

function node(kind: 'eq' | 'ne' | 'like' | 'ilike' | 'gt', property: string, value: RqlScalar): RqlNode {
  return { kind, property, value };
}

function filtersFor(key: string, value: string): RqlNode[] {
  const p = `attributes/${key}`;
  return [
    node('eq', p, value),
    node('ne', p, value),
    node('like', p, `*${value}*`),
    node('ilike', p, value),
    node('gt', p, value),
    { kind: 'in', property: p, values: [value, 1, null] },
    { kind: 'exists', property: p },
    { kind: 'empty', property: `features/*/properties/${key}` },
    node('eq', 'thingId', value),
    node('like', 'policyId', `${value}*`),
    {
      kind: 'or',
      children: [
        node('eq', `_metadata/${key}`, value),
        { kind: 'not', child: { kind: 'exists', property: p } },
      ],
    },
  ];
}

it('compiles user strings only into parameters, in both dialects', () => {
  for (const name of ['sqlite', 'postgres'] as const) {
    const dialect = searchDialect(name);
    for (const s of NASTY) {
      const sort: SortSpec[] = withTieBreaker([
        { property: `attributes/${s}`, direction: 'desc', source: sortSource(`attributes/${s}`)! },
      ]);
      const queries = filtersFor(s, s).flatMap((filter) => [
        pageQuery(dialect, {
          filter,
          namespaces: [s],
          subjects: [s],
          visibility: 'full',
          now: NOW,
          sort,
          after: [s, s],
          limit: 5,
        }),
        countQuery(dialect, { filter, namespaces: [s], subjects: [s], visibility: 'partial', now: NOW }),
      ]);
      for (const q of queries) {
        expect(CHECKED.filter(isIn(q.sql)), q.sql).toStrictEqual([]);
        expect(q.params).toContain(s);
      }
    }
  }
});

/** Remembers the SQL of every search the service sends. */
function recording(store: Store, seen: SearchQuery[]): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'search')
        return (q: SearchQuery) => {
          seen.push(q);
          return target.search(q);
        };
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

forEachStore((store) => {
  it('finds Things with hostile keys and values exactly, without errors or side effects', async () => {
    const ns = freshNamespace('inj');
    const specs = NASTY.map((s, i) => ({
      id: `${ns}:t${i}`,
      value: {
        attributes: { [s]: s, other: `${s}${i}` },
        features: { f: { properties: { [s]: i % 2 === 0 ? '' : s } } },
      },
      metadata: { [s]: s },
    }));
    await createThings(store(), specs);
    const before = await store().count('thing');
    const seen: SearchQuery[] = [];
    const search = searchService(recording(store(), seen));
    const targets = specs.map((spec) => {
      const r = thingRecord(spec);
      return {
        id: r.id,
        target: {
          ...r.value,
          _namespace: ns,
          _revision: 1,
          _created: r.created,
          _modified: r.modified,
          _metadata: r.metadata,
        },
      };
    });
    for (const s of NASTY) {
      for (const filter of filtersFor(s, s)) {
        const text = formatRql(filter);
        const predicate = compileRqlPredicate(filter, { now: () => NOW });
        const want = targets
          .filter((t) => predicate(t.target))
          .map((t) => t.id)
          .sort();
        const got = await search.search(
          {
            filter: text,
            namespaces: ns,
            option: formatSearchOptions({
              sort: [{ property: `attributes/${s}`, direction: 'asc' }],
              size: 200,
            }),
          },
          reader,
        );
        expect(got.items.map((i) => i.thingId).sort(), text).toStrictEqual(want);
        expect(await search.count({ filter: text, namespaces: `${ns},${s.replace(/,/g, '')}` }, reader)).toBe(
          want.length,
        );
      }
      const hostile = await search.search(
        { namespaces: s, fields: 'thingId' },
        { subjects: [s], primary: s },
      );
      expect(hostile.items).toStrictEqual([]);
    }
    expect(await store().count('thing')).toBe(before);
    expect(seen.length).toBeGreaterThan(NASTY.length * 10);
    for (const q of seen) expect(CHECKED.filter(isIn(q.sql)), q.sql).toStrictEqual([]);
  }, 60_000);
});
