/** @module Unit tests of the translation of RQL like patterns for SQLite GLOB and SQL LIKE. */
import { describe, expect, it } from 'vitest';
import { globPattern, likePattern, literalPrefix, prefixUpperBound } from './like-pattern.js';

describe('like patterns', () => {
  it('keeps * and ? for GLOB and neutralises character classes', () => {
    expect(globPattern('a*b?[c]')).toBe('a*b?[[]c]');
  });

  it('maps * and ? to % and _ for LIKE and escapes what LIKE treats as special', () => {
    expect(likePattern('100%_*?\\')).toBe('100\\%\\_%_\\\\');
  });

  it('finds the literal prefix and the smallest string after every string with it', () => {
    expect(literalPrefix('abc*d?')).toBe('abc');
    expect(literalPrefix('?abc')).toBe('');
    expect(literalPrefix('plain')).toBe('plain');
    expect(prefixUpperBound('abc')).toBe('abd');
    expect(prefixUpperBound('a\u{10ffff}')).toBe('b');
    expect(prefixUpperBound('\ud7ff')).toBe('\ue000');
    expect(prefixUpperBound('\u{10ffff}')).toBeUndefined();
  });
});
