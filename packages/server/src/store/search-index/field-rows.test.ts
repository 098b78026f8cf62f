/** @module Unit tests of the flattening of Things into search index rows and of the row diff. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { JsonObject, JsonValue } from '@egiz/core';
import { FIELD_KIND } from './field-kinds.js';
import {
  fieldChanges,
  fieldRowChanges,
  fieldRows,
  type FieldChanges,
  type IndexSource,
} from './field-rows.js';

const K = FIELD_KIND;
const rows = (value: JsonObject, metadata?: JsonObject) =>
  [...fieldRows({ deleted: false, value, ...(metadata ? { metadata } : {}) }).values()]
    .map((r) => `${r.path}|${r.kind}|${String(r.value)}`)
    .sort();

describe('fieldRows', () => {
  it('one row per scalar leaf; thingId and policyId are columns, not rows', () => {
    expect(
      rows({ thingId: 'a:b', policyId: 'a:p', attributes: { s: 'x', n: 1.5, t: true, f: false } }),
    ).toStrictEqual([
      `attributes/f|${K.boolean}|0`,
      `attributes/n|${K.number}|1.5`,
      `attributes/s|${K.string}|x`,
      `attributes/t|${K.boolean}|1`,
    ]);
  });

  it('marks null, "", [] and {} as empty (null and "" also as values)', () => {
    expect(rows({ attributes: { z: null, e: '', a: [], o: {} } })).toStrictEqual([
      `attributes/a|${K.empty}|0`,
      `attributes/e|${K.string}|`,
      `attributes/e|${K.empty}|0`,
      `attributes/o|${K.empty}|0`,
      `attributes/z|${K.null}|0`,
      `attributes/z|${K.empty}|0`,
    ]);
  });

  it('puts array scalars (any depth) on the array path and descends object elements one level', () => {
    expect(
      rows({ attributes: { tags: ['a', ['b', [null]], { room: 'k', deep: [{ x: 1 }] }, [{ lost: 1 }]] } }),
    ).toStrictEqual([
      `attributes/tags/deep/x|${K.number}|1`,
      `attributes/tags/room|${K.string}|k`,
      `attributes/tags|${K.null}|0`,
      `attributes/tags|${K.string}|a`,
      `attributes/tags|${K.string}|b`,
    ]);
  });

  it('marks values that leave no other trace as opaque, and deduplicates', () => {
    expect(rows({ attributes: { a: [{}], b: [[]], c: { 'x/y': 1 }, d: [1, 1, 1] } })).toStrictEqual([
      `attributes/a|${K.opaque}|0`,
      `attributes/b|${K.opaque}|0`,
      `attributes/c|${K.opaque}|0`,
      `attributes/d|${K.number}|1`,
    ]);
  });

  it('indexes metadata under _metadata and nothing of a deleted Thing', () => {
    expect(rows({ attributes: { a: 1 } }, { attributes: { a: { by: 'me' } } })).toContain(
      `_metadata/attributes/a/by|${K.string}|me`,
    );
    expect(fieldRows({ deleted: true, value: { attributes: { a: 1 } } }).size).toBe(0);
  });

  it('diffs to the rows that changed only', () => {
    const before = fieldRows({ deleted: false, value: { attributes: { a: 1, b: 'x' } } });
    const after = fieldRows({ deleted: false, value: { attributes: { a: 2, b: 'x' } } });
    const { removed, added } = fieldChanges(before, after);
    expect(removed.map((r) => r.value)).toStrictEqual([1]);
    expect(added.map((r) => r.value)).toStrictEqual([2]);
  });
});

/** A diff as sorted row texts, to compare two ways of computing it. */
const texts = (c: FieldChanges) => ({
  removed: c.removed.map((r) => `${r.path}|${r.kind}|${String(r.value)}`).sort(),
  added: c.added.map((r) => `${r.path}|${r.kind}|${String(r.value)}`).sort(),
});
const flatDiff = (before: IndexSource | undefined, after: IndexSource) =>
  texts(fieldChanges(before ? fieldRows(before) : new Map(), fieldRows(after)));

/** Sets `value` at `path` in a copy of `root` that shares everything off the path (as the Thing model does). */
function setShared(root: JsonObject, path: readonly string[], value: JsonValue | undefined): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined) return root;
  const copy: JsonObject = { ...root };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = root[head];
  const base = typeof child === 'object' && child !== null && !Array.isArray(child) ? child : {};
  copy[head] = setShared(base, rest, value);
  return copy;
}

const key = fc.constantFrom('a', 'b', 'c', 'x/y', '', 'thingId', '_metadata', 'attributes', 'features');
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<JsonValue>(null, true, false, 0, 1, 2.5, '', 'a', 'b'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const thing = fc.dictionary(key, json, { maxKeys: 5 });
const edit = fc.record({
  path: fc.array(key, { minLength: 1, maxLength: 4 }),
  value: fc.option(json, { nil: undefined }),
});

describe('fieldRowChanges', () => {
  it('diffs to the rows that changed only', () => {
    const before = { deleted: false, value: { attributes: { a: 1, b: 'x' } } };
    const after = { deleted: false, value: setShared(before.value, ['attributes', 'a'], 2) };
    expect(texts(fieldRowChanges(before, after))).toStrictEqual({
      removed: [`attributes/a|${K.number}|1`],
      added: [`attributes/a|${K.number}|2`],
    });
  });

  it('equals the diff of the flattened rows for edits that share the untouched parts', () => {
    fc.assert(
      fc.property(thing, fc.array(edit, { maxLength: 4 }), json, (value, edits, metadata) => {
        let next = value;
        for (const e of edits) next = setShared(next, e.path, e.value);
        const before: IndexSource = { deleted: false, value };
        const after: IndexSource = { deleted: false, value: next, metadata: metadata as JsonObject };
        expect(texts(fieldRowChanges(before, after))).toStrictEqual(flatDiff(before, after));
        expect(texts(fieldRowChanges(after, before))).toStrictEqual(flatDiff(after, before));
      }),
      { numRuns: 500 },
    );
  });

  it('equals the diff of the flattened rows for unrelated Things, creations and deletions', () => {
    fc.assert(
      fc.property(thing, thing, fc.boolean(), fc.boolean(), (a, b, aDeleted, bDeleted) => {
        const before: IndexSource = { deleted: aDeleted, value: a };
        const after: IndexSource = { deleted: bDeleted, value: b };
        expect(texts(fieldRowChanges(before, after))).toStrictEqual(flatDiff(before, after));
        expect(texts(fieldRowChanges(undefined, after))).toStrictEqual(flatDiff(undefined, after));
      }),
      { numRuns: 500 },
    );
  });
});
