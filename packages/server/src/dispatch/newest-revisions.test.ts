import { describe, expect, it } from 'vitest';
import { NewestRevisions } from './newest-revisions.js';

describe('NewestRevisions', () => {
  it('calls a state outdated only when another node committed a later revision, keeping the newest heard', () => {
    const n = new NewestRevisions(10);
    expect(n.outdated('a', 1)).toBe(false); // nothing heard: nothing is outdated
    n.heard('a', 5);
    n.heard('a', 3); // an older announcement does not lower it
    expect(n.outdated('a', 4)).toBe(true);
    expect(n.outdated('a', 5)).toBe(false);
    expect(n.outdated('a', 6)).toBe(false);
    expect(n.outdated('b', 1)).toBe(false);
  });

  it('is bounded: past its capacity the least recently heard entity is forgotten', () => {
    const n = new NewestRevisions(2);
    n.heard('a', 5);
    n.heard('b', 5);
    n.heard('c', 5);
    expect([n.outdated('a', 1), n.outdated('b', 1), n.outdated('c', 1)]).toEqual([false, true, true]);
  });
});
