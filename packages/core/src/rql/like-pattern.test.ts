/** @module Tests of the like/ilike matcher, including a hostile pattern that would stall a RegExp. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileLike } from './like-pattern.js';

/** [pattern, value, like, ilike] */
const CASES: ReadonlyArray<readonly [string, string, boolean, boolean]> = [
  ['abc', 'abc', true, true],
  ['abc', 'ABC', false, true],
  ['abc', 'abcd', false, false],
  ['abc', 'xabc', false, false],
  ['a*', 'a', true, true],
  ['a*', 'abc', true, true],
  ['*c', 'abc', true, true],
  ['*b*', 'abc', true, true],
  ['*B*', 'abc', false, true],
  ['a?c', 'abc', true, true],
  ['a?c', 'ac', false, false],
  ['a?c', 'abbc', false, false],
  ['???', 'abc', true, true],
  ['?', '😀', true, true],
  ['??', '😀', false, false],
  ['*', '', true, true],
  ['', '', true, true],
  ['', 'a', false, false],
  ['**', 'anything', true, true],
  ['a**b', 'ab', true, true],
  ['a*b*c', 'aXbYc', true, true],
  ['a*b*c', 'aXcYb', false, false],
  ['*a*a*a*b', 'aaaaaaaab', true, true],
  ['.*', 'abc', false, false],
  ['[a]', 'a', false, false],
  ['[a]', '[a]', true, true],
  ['a+b', 'a+b', true, true],
  ['(x)|$^', '(x)|$^', true, true],
  ['line*', 'line1\nline2', true, true],
  ['ÄÖÜ*', 'äöü!', false, true],
];

describe('compileLike', () => {
  it.each(CASES)('%j against %j', (pattern, value, like, ilike) => {
    expect(compileLike(pattern, false)(value)).toBe(like);
    expect(compileLike(pattern, true)(value)).toBe(ilike);
  });

  it('agrees with a reference regular expression on random input', () => {
    const alphabet = fc.constantFrom('a', 'b', 'A', '*', '?', '.', 'é');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 8 }), fc.array(alphabet, { maxLength: 10 }), (p, v) => {
        const pattern = p.join('');
        const value = v.join('').replaceAll('*', 'x');
        const source = Array.from(pattern, (ch) =>
          ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        ).join('');
        expect(compileLike(pattern, false)(value)).toBe(new RegExp(`^${source}$`, 'su').test(value));
        expect(compileLike(pattern, true)(value)).toBe(new RegExp(`^${source}$`, 'siu').test(value));
      }),
    );
  });

  it('stays fast on a pattern that makes backtracking regexes explode', () => {
    const pattern = '*a'.repeat(30) + '*b';
    const value = 'a'.repeat(5000);
    const started = performance.now();
    expect(compileLike(pattern, false)(value)).toBe(false);
    expect(compileLike(pattern, true)(value)).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
