import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RevisionOrder, type Ordered } from './revision-order.js';

interface M extends Ordered {
  readonly tag?: string;
}

function guard(opts: { holdMs?: number; maxEntities?: number; maxHeld?: number } = {}) {
  const passed: string[] = [];
  const dropped: string[] = [];
  const order = new RevisionOrder<M>({
    pass: (m) => passed.push(`${m.key}@${m.revision}`),
    dropped: (m) => dropped.push(`${m.key}@${m.revision}`),
    ...opts,
  });
  const offer = (key: string, ...revisions: number[]) => {
    for (const revision of revisions) order.offer({ key, revision });
  };
  return { order, offer, passed, dropped };
}

describe('RevisionOrder', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes consecutive revisions at once, per entity, whatever revision an entity starts at', () => {
    const g = guard();
    g.offer('a', 5, 6);
    g.offer('b', 1);
    g.offer('a', 7);
    g.offer('b', 2);
    expect(g.passed).toEqual(['a@5', 'a@6', 'b@1', 'a@7', 'b@2']);
    expect(g.order.held).toBe(0);
  });

  it('holds a revision ahead of a gap until the missing one arrives, then passes both in order', () => {
    const g = guard();
    g.offer('a', 1, 3, 4);
    expect(g.passed).toEqual(['a@1']);
    expect(g.order.held).toBe(2);
    g.offer('b', 1); // other entities are not held up
    g.offer('a', 2);
    expect(g.passed).toEqual(['a@1', 'b@1', 'a@2', 'a@3', 'a@4']);
    expect(g.order.held).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(g.passed).toHaveLength(5);
  });

  it('gives up a gap after holdMs: the held revisions pass in order, the missing one is dropped when it comes', () => {
    const g = guard({ holdMs: 100 });
    g.offer('a', 1, 4, 3);
    vi.advanceTimersByTime(99);
    expect(g.passed).toEqual(['a@1']);
    vi.advanceTimersByTime(1);
    expect(g.passed).toEqual(['a@1', 'a@3', 'a@4']);
    g.offer('a', 2);
    expect(g.dropped).toEqual(['a@2']);
    g.offer('a', 5);
    expect(g.passed.at(-1)).toBe('a@5');
  });

  it('drops duplicates and revisions older than the last one passed, held ones included', () => {
    const g = guard();
    g.offer('a', 1, 2, 2, 1, 4, 4);
    expect(g.passed).toEqual(['a@1', 'a@2']);
    expect(g.dropped).toEqual(['a@2', 'a@1', 'a@4']);
  });

  it('bounds what it holds: past maxHeld the oldest gap is given up', () => {
    const g = guard({ maxHeld: 2 });
    g.offer('a', 1, 3);
    g.offer('b', 1, 3);
    expect(g.order.held).toBe(2);
    g.offer('c', 1, 3); // a third held message: the gap of a (the oldest) is given up
    expect(g.passed).toEqual(['a@1', 'b@1', 'c@1', 'a@3']);
    expect(g.order.held).toBe(2);
  });

  it('forgets the least recently seen entity past maxEntities, then treats it as new', () => {
    const g = guard({ maxEntities: 2 });
    g.offer('a', 1);
    g.offer('b', 1);
    g.offer('a', 2);
    g.offer('c', 1); // forgets b, seen least recently
    g.offer('b', 7); // b is new again: passes at once (and a is forgotten)
    g.offer('c', 1); // c is remembered: late
    expect(g.passed).toEqual(['a@1', 'b@1', 'a@2', 'c@1', 'b@7']);
    expect(g.dropped).toEqual(['c@1']);
  });

  it('flush passes everything held in order and leaves no timer', () => {
    const g = guard();
    g.offer('a', 1, 5, 3);
    g.order.flush();
    expect(g.passed).toEqual(['a@1', 'a@3', 'a@5']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps order when the receiver throws', () => {
    const passed: number[] = [];
    const order = new RevisionOrder<M>({
      pass: (m) => {
        passed.push(m.revision);
        if (m.revision === 2) throw new Error('receiver failure');
      },
    });
    for (const r of [1, 3, 2, 4]) order.offer({ key: 'a', revision: r });
    expect(passed).toEqual([1, 2, 3, 4]);
  });
});
