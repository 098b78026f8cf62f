/**
 * The search SQL answers exactly what the in-memory RQL evaluator answers: random small sets of
 * Things and random filters (every operator, nesting, value kind, special field, wildcard and
 * placeholder), on both real stores, compared with compileRqlPredicate over the same Things.
 *
 * Strings avoid U+E000..U+FFFF next to characters beyond U+FFFF: the stores order text by code
 * point (as Ditto's MongoDB does), the evaluator by UTF-16 unit; they differ only there.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  compileRqlPredicate,
  formatRql,
  parseRql,
  type JsonObject,
  type JsonValue,
  type RqlNode,
} from '@egiz/core';
import { thingWithSpecialFields } from '../packages/server/src/things/projection.js';
import {
  NOW,
  createThings,
  findIds,
  forEachStore,
  freshNamespace,
  searchService,
  thingRecord,
  type ThingSpec,
} from '../packages/server/src/search/search-stores.testkit.js';

const RUNS = Number(process.env.EGIZ_SEARCH_PROPERTY_RUNS ?? 120);

const common = ['', 'a', 'b', 'ab', 'A', 'é', '😀', '[x]'];
const rare = ['ba', 'aB', 'É', 'a*', '%_', "o'q", 'z', 'ü\\', 'line\n'];
const scalar: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...common) },
  { weight: 1, arbitrary: fc.constantFrom(...rare) },
  { weight: 4, arbitrary: fc.constantFrom(-1, 0, 1, 1.5, 2) },
  { weight: 1, arbitrary: fc.constantFrom(-2, 10, 1e21, -0.25, 2 ** 53 - 1) },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

const value: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'x', 'p'), tie('v'), { maxKeys: 3 }),
  ),
})).v;

const attributes = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'tags'), value, { maxKeys: 4 });
const features = fc.dictionary(
  fc.constantFrom('f1', 'f2', '*'),
  fc.oneof(
    fc.record({ properties: fc.dictionary(fc.constantFrom('p', 'q'), value, { maxKeys: 2 }) }),
    fc.constant({}),
  ),
  { maxKeys: 2 },
);

interface Draft {
  readonly name: string;
  readonly attributes?: JsonObject;
  readonly features?: JsonObject;
  readonly definition?: string;
  readonly metadata?: JsonObject;
  readonly revision: number;
  readonly created: string;
  readonly modified: string;
}

const iso = fc.constantFrom(
  '2024-01-01T00:00:00.000Z',
  '2024-05-31T12:00:00.000Z',
  '2024-06-01T11:59:59.999Z',
  '2024-06-01T12:00:00.000Z',
  '2024-06-02T00:00:00.000Z',
);

const draft: fc.Arbitrary<Draft> = fc.record(
  {
    name: fc.constantFrom('t1', 't2', 't3', 't4', 't5', 'T6', 'a-b'),
    attributes: attributes,
    features: features,
    definition: fc.constantFrom('org:def:1', 'org:other:2'),
    metadata: fc.record({
      attributes: fc.dictionary(fc.constantFrom('a', 'b'), scalar, { maxKeys: 2 }),
    }),
    revision: fc.integer({ min: 1, max: 5 }),
    created: iso,
    modified: iso,
  },
  { requiredKeys: ['name', 'revision', 'created', 'modified'] },
);

const drafts = fc.uniqueArray(draft, { minLength: 2, maxLength: 7, selector: (d) => d.name });

const properties = [
  'attributes/a',
  'attributes/b',
  '/attributes/tags',
  'attributes/a/a',
  'attributes/a/x/p',
  'attributes/tags/a',
  'attributes',
  'attributes/c',
  'features/*/properties/p',
  'features/*/properties',
  'features/*',
  'features/f1/properties/p',
  'features/f1',
  'thingId',
  'policyId',
  '_namespace',
  'namespace',
  '_revision',
  '_created',
  '_modified',
  'definition',
  '_metadata/attributes/a',
  '_metadata',
  'thingId/x',
  'nothing/here',
];

const rqlValue = fc.oneof(
  { weight: 6, arbitrary: scalar.map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('time:now', 'time:now_epoch_millis', 'time:now-1d', 'time:now+1h[d]'),
  },
);
const pattern = fc.constantFrom('*', 'a*', '*b', '?', 'a?', 'A*', '*é*', '[x]*', '%_', '*😀', '', 'ab', '??');
const property = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('attributes/a', 'attributes/b', 'attributes/tags', 'features/*/properties/p'),
  },
  { weight: 2, arbitrary: fc.constantFrom(...properties) },
);

const leaf: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le'), property, rqlValue)
    .map(([op, p, v]) => `${op}(${p},${v})`),
  fc
    .tuple(
      fc.constantFrom('like', 'ilike'),
      property,
      fc.oneof(
        pattern.map((p) => JSON.stringify(p)),
        rqlValue,
      ),
    )
    .map(([op, p, v]) => `${op}(${p},${v})`),
  fc
    .tuple(property, fc.array(rqlValue, { minLength: 1, maxLength: 3 }))
    .map(([p, vs]) => `in(${p},${vs.join(',')})`),
  fc.tuple(fc.constantFrom('exists', 'empty'), property).map(([op, p]) => `${op}(${p})`),
);

const filter: fc.Arbitrary<string> = fc.letrec<{ f: string }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((cs) => `and(${cs.join(',')})`),
    fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((cs) => `or(${cs.join(',')})`),
    tie('f').map((c) => `not(${c})`),
  ),
})).f;

function specOf(namespace: string, d: Draft): ThingSpec {
  const value: JsonObject = {};
  if (d.definition !== undefined) value.definition = d.definition;
  if (d.attributes !== undefined) value.attributes = d.attributes;
  if (d.features !== undefined) value.features = d.features;
  return {
    id: `${namespace}:${d.name}`,
    value,
    revision: d.revision,
    created: d.created,
    modified: d.modified,
    ...(d.metadata ? { metadata: d.metadata } : {}),
  };
}

function expected(specs: readonly ThingSpec[], node: RqlNode): string[] {
  const predicate = compileRqlPredicate(node, { now: () => NOW });
  return specs
    .filter((s) => {
      const r = thingRecord(s);
      return predicate(
        thingWithSpecialFields(
          {
            thingId: r.id,
            revision: r.revision,
            created: r.created,
            modified: r.modified,
            deleted: false,
            thing: r.value,
            ...(r.metadata ? { metadata: r.metadata } : {}),
          },
          r.value,
        ),
      );
    })
    .map((s) => s.id)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

forEachStore((store, name) => {
  it(`finds exactly what the evaluator matches (${RUNS} random data sets, 6 filters each)`, async () => {
    const search = searchService(store());
    await fc.assert(
      fc.asyncProperty(drafts, fc.array(filter, { minLength: 6, maxLength: 6 }), async (ds, filters) => {
        const namespace = freshNamespace(name.slice(0, 2));
        const specs = ds.map((d) => specOf(namespace, d));
        await createThings(store(), specs);
        for (const text of filters) {
          const node = parseRql(text);
          const want = expected(specs, node);
          const got = await findIds(search, namespace, text);
          expect({ filter: formatRql(node), ids: got }).toStrictEqual({ filter: formatRql(node), ids: want });
          const count = await search.count(
            { filter: text, namespaces: namespace },
            { subjects: ['test:reader'], primary: 'test:reader' },
          );
          expect(count).toBe(want.length);
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
