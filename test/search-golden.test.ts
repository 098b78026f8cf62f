/**
 * Golden search cases: each operator with each kind of value against a fixed set of Things, with
 * the expected result set written out, on both real stores. The Things follow the examples of
 * Ditto's basic-search.md (mixed-type tag arrays, objects inside arrays) plus special fields,
 * features, metadata and the awkward strings (wildcards, brackets, quotes, case, non-ASCII).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createThings,
  findIds,
  forEachStore,
  freshNamespace,
  searchService,
  type ThingSpec,
} from '../packages/server/src/search/search-stores.testkit.js';

function things(ns: string): ThingSpec[] {
  return [
    {
      id: `${ns}:tagged`,
      value: {
        definition: 'org.eclipse.ditto:tagged:1.0.0',
        attributes: {
          tags: ['misc', 'no-due-date', 'high-priority', 2, 3, 5, false, { room: 'kitchen', floor: 2 }],
          location: 'kitchen',
          counter: 7,
        },
        features: { lamp: { properties: { on: true, brightness: 80 } } },
      },
      revision: 3,
      created: '2024-01-01T00:00:00.000Z',
      modified: '2024-05-31T12:00:00.000Z',
      metadata: { attributes: { location: { source: 'manual' } } },
    },
    {
      id: `${ns}:plain`,
      value: {
        attributes: {
          location: 'Living-Room',
          counter: 2.5,
          flag: true,
          note: '',
          nothing: null,
          empty: {},
          list: [],
        },
        features: {
          lamp: { properties: { on: false, brightness: 20 } },
          heater: { properties: { on: true } },
        },
      },
      revision: 1,
      created: '2024-03-01T00:00:00.000Z',
      modified: '2024-06-01T11:00:00.000Z',
    },
    {
      id: `${ns}:odd`,
      value: {
        definition: 'org.eclipse.ditto:odd:2.0.0',
        attributes: {
          location: '[kitchen]*?',
          counter: -1,
          flag: false,
          note: "it's 100% _odd_",
          title: 'Ärger Straße',
          nested: { deep: { value: 'x' } },
          items: [
            { name: 'a', qty: 1 },
            { name: 'b', qty: 5 },
          ],
        },
      },
      revision: 12,
      created: '2023-12-24T18:00:00.000Z',
      modified: '2024-06-02T00:00:00.000Z',
    },
    {
      id: `${ns}:bare`,
      value: {},
      revision: 2,
      created: '2024-02-02T00:00:00.000Z',
      modified: '2024-02-02T00:00:00.000Z',
    },
  ];
}

type Case = readonly [filter: string, expected: readonly string[]];

// Expected ids are short names; the tests prefix the namespace.
const CASES: Record<string, readonly Case[]> = {
  eq: [
    ['eq(attributes/location,"kitchen")', ['tagged']],
    ['eq(attributes/location,"Kitchen")', []],
    ['eq(attributes/counter,7)', ['tagged']],
    ['eq(attributes/counter,7.0)', ['tagged']],
    ['eq(attributes/counter,"7")', []],
    ['eq(attributes/counter,2.5)', ['plain']],
    ['eq(attributes/flag,true)', ['plain']],
    ['eq(attributes/flag,false)', ['odd']],
    ['eq(attributes/nothing,null)', ['plain']],
    ['eq(attributes/tags,"high-priority")', ['tagged']],
    ['eq(attributes/tags,false)', ['tagged']],
    ['eq(attributes/tags,3)', ['tagged']],
    ['eq(attributes/tags/room,"kitchen")', ['tagged']],
    ['eq(attributes/items/name,"b")', ['odd']],
    ['eq(attributes/nested/deep/value,"x")', ['odd']],
    ['eq(/attributes/location,"kitchen")', ['tagged']],
    ['eq(attributes/location/,"kitchen")', ['tagged']],
  ],
  ne: [
    ['ne(attributes/location,"kitchen")', ['odd', 'plain']],
    ['ne(attributes/tags,"high-priority")', []],
    ['ne(attributes/tags,1)', ['tagged']],
    ['ne(attributes/counter,"7")', ['odd', 'plain', 'tagged']],
    ['ne(attributes/nothing,null)', []],
    ['ne(attributes/missing,1)', []],
  ],
  order: [
    ['gt(attributes/counter,2.5)', ['tagged']],
    ['ge(attributes/counter,2.5)', ['plain', 'tagged']],
    ['lt(attributes/counter,0)', ['odd']],
    ['le(attributes/counter,-1)', ['odd']],
    ['gt(attributes/tags,6)', []],
    ['gt(attributes/tags,4)', ['tagged']],
    ['ge(attributes/tags/floor,2)', ['tagged']],
    ['gt(attributes/location,"kitchen")', []],
    ['gt(attributes/location,"L")', ['odd', 'plain', 'tagged']],
    ['lt(attributes/location,"L")', []],
    ['lt(attributes/location,"Z")', ['plain']],
    ['gt(attributes/flag,false)', ['plain']],
    ['lt(attributes/flag,true)', ['odd']],
    ['gt(attributes/counter,"0")', []],
    ['gt(attributes/nothing,null)', []],
    ['gt(attributes/items/qty,4)', ['odd']],
  ],
  in: [
    ['in(attributes/tags,"misc","something-non-matching")', ['tagged']],
    ['in(attributes/location,"kitchen","Living-Room")', ['plain', 'tagged']],
    ['in(attributes/counter,7,-1,"2.5")', ['odd', 'tagged']],
    ['in(attributes/nothing,null,1)', ['plain']],
    ['in(attributes/flag,true,false)', ['odd', 'plain']],
    ['in(attributes/missing,1,"a",null)', []],
  ],
  like: [
    ['like(attributes/tags,"*-priority")', ['tagged']],
    ['like(attributes/location,"kit*")', ['tagged']],
    ['like(attributes/location,"*room")', []],
    ['like(attributes/location,"*Room")', ['plain']],
    ['like(attributes/location,"k?tchen")', ['tagged']],
    ['like(attributes/location,"[kitchen]*")', ['odd']],
    ['like(attributes/location,"[*]*?")', ['odd']],
    ['like(attributes/note,"*100% _odd_")', ['odd']],
    ['like(attributes/note,"*100x*")', []],
    ['like(attributes/note,"")', ['plain']],
    ['like(attributes/title,"Ärger*")', ['odd']],
    ['like(attributes/title,"?rger*")', ['odd']],
    ['like(attributes/counter,"7")', []],
    ['like(attributes/counter,7)', []],
    ['like(definition,"*:tagged:*")', ['tagged']],
  ],
  ilike: [
    ['ilike(attributes/location,"KITCHEN")', ['tagged']],
    ['ilike(attributes/location,"living-*")', ['plain']],
    ['ilike(attributes/title,"ärger*")', ['odd']],
    ['ilike(attributes/title,"*STRASSE")', []],
    ['ilike(attributes/title,"*STRAßE")', ['odd']],
    ['ilike(attributes/tags,"HIGH-*")', ['tagged']],
    ['ilike(attributes/note,"IT\'S*")', ['odd']],
  ],
  'exists and empty': [
    ['exists(attributes/location)', ['odd', 'plain', 'tagged']],
    ['exists(attributes)', ['odd', 'plain', 'tagged']],
    ['exists(attributes/nested/deep)', ['odd']],
    ['exists(attributes/empty)', ['plain']],
    ['exists(attributes/list)', ['plain']],
    ['exists(attributes/tags/room)', ['tagged']],
    ['exists(features/lamp)', ['plain', 'tagged']],
    ['exists(features/heater/properties/on)', ['plain']],
    ['empty(attributes/note)', ['bare', 'plain', 'tagged']],
    ['empty(attributes/empty)', ['bare', 'odd', 'plain', 'tagged']],
    ['empty(attributes/nothing)', ['bare', 'odd', 'plain', 'tagged']],
    ['empty(attributes/location)', ['bare']],
    ['empty(attributes/tags)', ['bare', 'odd', 'plain']],
    ['empty(attributes)', ['bare']],
    ['not(exists(attributes))', ['bare']],
  ],
  'special fields': [
    ['eq(thingId,"NS:odd")', ['odd']],
    ['like(thingId,"NS:*a*")', ['plain', 'tagged', 'bare']],
    ['eq(_namespace,"NS")', ['bare', 'odd', 'plain', 'tagged']],
    ['eq(namespace,"NS")', ['bare', 'odd', 'plain', 'tagged']],
    ['eq(policyId,"NS:policy")', ['bare', 'odd', 'plain', 'tagged']],
    ['exists(policyId)', ['bare', 'odd', 'plain', 'tagged']],
    ['gt(_revision,2)', ['odd', 'tagged']],
    ['eq(_revision,"1")', []],
    ['lt(_created,"2024-01-01T00:00:00.000Z")', ['odd']],
    ['ge(_modified,"2024-06-01T00:00:00.000Z")', ['odd', 'plain']],
    ['gt(_modified,time:now-1d)', ['odd', 'plain']],
    ['lt(_created,time:now-1y)', []],
    ['gt(_modified,time:now)', ['odd']],
    ['like(definition,"org.eclipse.ditto:*")', ['odd', 'tagged']],
    ['exists(definition)', ['odd', 'tagged']],
    ['eq(_metadata/attributes/location/source,"manual")', ['tagged']],
    ['exists(_metadata)', ['tagged']],
    ['exists(thingId/x)', []],
    ['empty(thingId/x)', ['bare', 'odd', 'plain', 'tagged']],
    ['ne(thingId/x,1)', []],
  ],
  'feature wildcard': [
    ['eq(features/*/properties/on,true)', ['plain', 'tagged']],
    ['eq(features/*/properties/on,false)', ['plain']],
    ['gt(features/*/properties/brightness,50)', ['tagged']],
    ['exists(features/*/properties/brightness)', ['plain', 'tagged']],
    ['exists(features/*)', ['plain', 'tagged']],
    ['ne(features/*/properties/on,false)', ['tagged']],
  ],
  logic: [
    ['and(eq(attributes/location,"kitchen"),gt(attributes/counter,5))', ['tagged']],
    ['and(eq(attributes/location,"kitchen"),gt(attributes/counter,10))', []],
    ['or(eq(attributes/counter,-1),eq(attributes/flag,true))', ['odd', 'plain']],
    ['not(eq(attributes/location,"kitchen"))', ['bare', 'odd', 'plain']],
    ['not(not(eq(attributes/location,"kitchen")))', ['tagged']],
    [
      'and(not(exists(attributes/tags)),or(lt(attributes/counter,0),exists(attributes/list)))',
      ['odd', 'plain'],
    ],
    [
      'or(and(eq(attributes/flag,true),eq(features/lamp/properties/on,false)),eq(thingId,"NS:bare"))',
      ['bare', 'plain'],
    ],
  ],
};

forEachStore((store) => {
  const ns = freshNamespace('golden');
  const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  beforeAll(async () => {
    await createThings(store(), things(ns));
  });

  for (const [group, cases] of Object.entries(CASES)) {
    describe(group, () => {
      for (const [filter, names] of cases) {
        it(filter, async () => {
          const search = searchService(store());
          const text = filter.replaceAll('NS', ns);
          const want = names.map((n) => `${ns}:${n}`).sort(byteOrder);
          expect(await findIds(search, ns, text)).toStrictEqual(want);
          expect(
            await search.count(
              { filter: text, namespaces: ns },
              { subjects: ['test:reader'], primary: 'test:reader' },
            ),
          ).toBe(want.length);
        });
      }
    });
  }
});
