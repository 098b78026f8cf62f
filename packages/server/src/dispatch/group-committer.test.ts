import { describe, expect, it } from 'vitest';
import type { CommitResult, Mutation, Store } from '../store/port.js';
import { ConflictError, GroupCommitter } from './group-committer.js';
import { KeyedQueue } from './keyed-queue.js';

function mutation(id: string, expectedRevision = 0): Mutation {
  return {
    next: {
      kind: 'thing',
      id,
      revision: expectedRevision + 1,
      deleted: false,
      created: 't',
      modified: 't',
      value: {},
    },
    expectedRevision,
    events: [],
  };
}

/** A store double recording batches; `fail` decides per batch whether commit throws. */
function recordingStore(
  opts: { fail?: (batch: readonly Mutation[]) => boolean; conflicts?: (m: Mutation) => boolean } = {},
) {
  const batches: string[][] = [];
  const store = {
    commit(mutations: readonly Mutation[]): Promise<CommitResult> {
      batches.push(mutations.map((m) => m.next.id));
      if (opts.fail?.(mutations)) return Promise.reject(new Error('disk full'));
      const conflicts = mutations.flatMap((m, i) => (opts.conflicts?.(m) ? [i] : []));
      return Promise.resolve({ conflicts });
    },
  } as unknown as Store;
  return { store, batches };
}

describe('GroupCommitter', () => {
  it('commits everything submitted in one event-loop turn as one batch, in order', async () => {
    const { store, batches } = recordingStore();
    const c = new GroupCommitter(store);
    await Promise.all(['a', 'b', 'c'].map((id) => c.submit([mutation(id)])));
    expect(batches).toEqual([['a', 'b', 'c']]);
    await c.submit([mutation('d')]);
    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('reports a conflict only to the submitter whose mutation conflicted', async () => {
    const { store } = recordingStore({ conflicts: (m) => m.next.id === 'b' });
    const c = new GroupCommitter(store);
    const results = await Promise.allSettled(['a', 'b', 'c'].map((id) => c.submit([mutation(id)])));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
  });

  it('when a batch fails, retries each submission alone so one bad write does not fail the others', async () => {
    const { store, batches } = recordingStore({ fail: (batch) => batch.some((m) => m.next.id === 'bad') });
    const c = new GroupCommitter(store);
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((id) => c.submit([mutation(id)])));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('answers every submitter of a batch with the moment it became durable', async () => {
    const reported = performance.now() - 5;
    const withTime = {
      commit: () => Promise.resolve({ conflicts: [], durableAt: reported }),
    } as unknown as Store;
    const c = new GroupCommitter(withTime);
    expect(await Promise.all([c.submit([mutation('a')]), c.submit([mutation('b')])])).toEqual([
      reported,
      reported,
    ]);
    // A store that does not report it: the moment its promise resolved.
    const before = performance.now();
    const at = await new GroupCommitter(recordingStore().store).submit([mutation('x')]);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(performance.now());
  });

  it('flush() waits until every submitted write is committed', async () => {
    const { store, batches } = recordingStore();
    const c = new GroupCommitter(store);
    void c.submit([mutation('x')]);
    await c.flush();
    expect(batches).toEqual([['x']]);
  });
});

describe('KeyedQueue', () => {
  it('runs tasks of one key in order and different keys concurrently', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const slow = (name: string, ms: number) => () =>
      new Promise<void>((r) =>
        setTimeout(() => {
          log.push(name);
          r();
        }, ms),
      );
    await Promise.all([q.run('k', slow('k1', 30)), q.run('k', slow('k2', 1)), q.run('other', slow('o1', 5))]);
    expect(log).toEqual(['o1', 'k1', 'k2']);
    expect(q.size).toBe(0);
  });

  it('keeps going after a failed task', async () => {
    const q = new KeyedQueue();
    await expect(q.run('k', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(q.run('k', () => Promise.resolve(7))).resolves.toBe(7);
  });

  it('with maxInFlight 2 hands the next batch over before the first is durable, and flush waits for both', async () => {
    const sent: string[][] = [];
    const pending: (() => void)[] = [];
    const store = {
      commit(mutations: readonly Mutation[]): Promise<CommitResult> {
        sent.push(mutations.map((m) => m.next.id));
        return new Promise((resolve) => pending.push(() => resolve({ conflicts: [] })));
      },
    } as unknown as Store;
    const c = new GroupCommitter(store, { maxInFlight: 2 });
    const done: string[] = [];
    const a = c.submit([mutation('a')]).then(() => done.push('a'));
    await new Promise((r) => setImmediate(r));
    const b = c.submit([mutation('b')]).then(() => done.push('b'));
    await new Promise((r) => setImmediate(r));
    const third = c.submit([mutation('c')]).then(() => done.push('c'));
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([['a'], ['b']]); // a third batch waits for a free slot
    expect(done).toEqual([]);
    let flushed = false;
    const flushing = c.flush().then(() => (flushed = true));
    pending.shift()?.();
    await a;
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([['a'], ['b'], ['c']]);
    expect(flushed).toBe(false);
    pending.shift()?.();
    pending.shift()?.();
    await Promise.all([b, third, flushing]);
    expect(done).toEqual(['a', 'b', 'c']);
    expect(flushed).toBe(true);
  });
});
