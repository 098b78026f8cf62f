import { describe, expect, it } from 'vitest';
import { RevisionedCache } from './revisioned-cache.js';

describe('RevisionedCache', () => {
  it('forgets a copy older than a revision another node committed, and caches nothing older afterwards', () => {
    const c = new RevisionedCache<{ revision: number }>(10);
    c.set('a', { revision: 4 });
    c.forgetOlder('a', 4); // the same revision: kept
    expect(c.get('a')).toEqual({ revision: 4 });
    c.forgetOlder('a', 6);
    expect(c.get('a')).toBeUndefined();
    c.set('a', { revision: 5 }); // a late local write or read: refused
    expect(c.get('a')).toBeUndefined();
    c.set('a', { revision: 6 });
    expect(c.get('a')).toEqual({ revision: 6 });
  });
});
