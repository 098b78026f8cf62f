/** @module Bounded concurrency: at most N tasks in flight, with results kept in input order. */

/**
 * Maps `items` through `fn` with at most `concurrency` calls in flight and yields the results in
 * the order of the input, pulling new items only as slots free up (so a huge input is not read
 * ahead). A rejection ends the iteration with that error once it is reached in order.
 */
export async function* mapOrdered<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const queue: Promise<R>[] = [];
  for await (const item of items) {
    const p = fn(item);
    // Avoid an unhandled rejection while the promise waits its turn in the queue.
    p.catch(() => undefined);
    queue.push(p);
    if (queue.length >= concurrency) yield await (queue.shift() as Promise<R>);
  }
  while (queue.length > 0) yield await (queue.shift() as Promise<R>);
}

/**
 * Runs `fn` for each item with at most `concurrency` in flight, in no particular order of
 * completion; `shouldStop` is checked before each new item is started.
 */
export async function forEachBounded<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for await (const item of items) {
    if (shouldStop()) break;
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (shouldStop()) break;
    const p: Promise<void> = fn(item).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
}
