import { describe, expect, it } from 'vitest';
import { LruCache } from './lru-cache.js';

describe('LruCache', () => {
  it('keeps at most its capacity, evicting the oldest insertion', () => {
    const c = new LruCache<number>(3);
    for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) c.set(k, i);
    expect(c.size).toBe(3);
    expect(c.get('a')).toBeUndefined();
    expect(c.get('d')).toBe(3);
  });

  it('keeps an entry read after it drifted into the older half', () => {
    const c = new LruCache<number>(4);
    c.set('hot', 0);
    for (let i = 0; i < 3; i++) c.set(`k${i}`, i);
    expect(c.get('hot')).toBe(0); // moved to the young end
    for (let i = 3; i < 6; i++) c.set(`k${i}`, i);
    expect(c.get('hot')).toBe(0);
    expect(c.get('k0')).toBeUndefined();
  });

  it('replaces a value and deletes on request', () => {
    const c = new LruCache<string>(2);
    c.set('a', 'x');
    c.set('a', 'y');
    expect(c.get('a')).toBe('y');
    expect(c.size).toBe(1);
    c.delete('a');
    expect(c.get('a')).toBeUndefined();
  });
});
