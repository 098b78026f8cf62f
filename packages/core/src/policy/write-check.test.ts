import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../model/json.js';
import { compileEnforcer } from './enforcer.js';
import { entry, policy } from './fixtures.testkit.js';
import { mergePatchLeaves } from './write-check.js';

const A = 'nginx:alice';
const e = compileEnforcer(
  policy({
    e: entry([A], {
      'thing:/': [['READ'], []],
      'thing:/attributes': [['WRITE'], []],
      'thing:/attributes/locked': [[], ['WRITE']],
      'thing:/attributes/locked/open': [['WRITE'], []],
      'thing:/features/lamp/properties/on': [['WRITE'], []],
    }),
  }),
);

describe('touchesOnlyWritable', () => {
  it.each<[string, string, JsonValue, 'put' | 'merge', boolean]>([
    [
      'PUT replacing /attributes needs unrestricted WRITE there (locked is revoked below)',
      '/attributes',
      {},
      'put',
      false,
    ],
    ['PUT of one free attribute', '/attributes/a', 1, 'put', true],
    ['PUT of an object below a free attribute', '/attributes/a', { b: { c: 1 } }, 'put', true],
    ['PUT of the locked attribute', '/attributes/locked', 1, 'put', false],
    ['PUT of the re-granted leaf', '/attributes/locked/open', 1, 'put', true],
    [
      'PUT replacing the re-granted leaf is allowed even below a revoke',
      '/attributes/locked/open/x',
      1,
      'put',
      true,
    ],
    ['PUT of the whole thing', '/', {}, 'put', false],
    [
      'merge {a:{b:1}} at /attributes needs only /attributes/a/b',
      '/attributes',
      { a: { b: 1 } },
      'merge',
      true,
    ],
    ['merge touching the locked attribute', '/attributes', { a: 1, locked: { x: 1 } }, 'merge', false],
    ['merge into the re-granted leaf', '/attributes', { locked: { open: 2 } }, 'merge', true],
    ['merge deleting the locked attribute with null', '/attributes', { locked: null }, 'merge', false],
    ['merge deleting a free attribute with null', '/attributes', { a: null }, 'merge', true],
    [
      'merge at the root touching only writable leaves',
      '/',
      { attributes: { a: 1 }, features: { lamp: { properties: { on: true } } } },
      'merge',
      true,
    ],
    [
      'merge at the root touching a read-only feature',
      '/',
      { features: { lamp: { properties: { off: true } } } },
      'merge',
      false,
    ],
    ['merge replacing the base with a scalar', '/attributes', 5, 'merge', false],
    ['merge with an empty object is a write of that object', '/attributes', { locked: {} }, 'merge', false],
    ['merge with an empty object on a free key', '/attributes', { a: {} }, 'merge', true],
    ['merge with a regex deletion needs the parent', '/attributes', { '{{ /^l/ }}': null }, 'merge', false],
    ['merge with a regex deletion below a free key', '/attributes/a', { '{{ /x/ }}': null }, 'merge', true],
    ['merge with an array value is a leaf', '/attributes', { list: [1, { locked: 1 }] }, 'merge', true],
  ])('%s', (_name, base, value, mode, expected) => {
    expect(e.touchesOnlyWritable('thing', base, value, [A], mode)).toBe(expected);
  });

  it('unrestricted WRITE on the base short-circuits a merge', () => {
    const full = compileEnforcer(policy({ e: entry([A], { 'thing:/': [['WRITE'], []] }) }));
    expect(full.touchesOnlyWritable('thing', '/', { a: { b: null } }, [A], 'merge')).toBe(true);
    expect(full.touchesOnlyWritable('thing', '/', { a: 1 }, ['nginx:eve'], 'merge')).toBe(false);
  });
});

describe('mergePatchLeaves', () => {
  it('lists written and deleted leaves', () => {
    expect(mergePatchLeaves(['attributes'], { a: { b: 1, c: null }, d: [], e: {} })).toEqual([
      ['attributes', 'a', 'b'],
      ['attributes', 'a', 'c'],
      ['attributes', 'd'],
      ['attributes', 'e'],
    ]);
    expect(mergePatchLeaves([], 3)).toEqual([[]]);
    expect(mergePatchLeaves(['a'], { '{{ /x.*/ }}': null, '{{ /y/ }}': 1 })).toEqual([
      ['a'],
      ['a', '{{ /y/ }}'],
    ]);
  });
});
