/** @module Unit tests of the flattening of Things into search index rows and of the row diff. */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@egiz/core';
import { FIELD_KIND } from './field-kinds.js';
import { fieldChanges, fieldRows } from './field-rows.js';

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

  it('reuses the rows of a value object it flattened before', () => {
    const value = { attributes: { a: 1 } };
    expect(fieldRows({ deleted: false, value })).toBe(fieldRows({ deleted: false, value }));
  });
});
