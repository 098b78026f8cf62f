/**
 * @module Group commit: every write submitted within one turn of the event loop goes to the store in
 * ONE transaction; each submitter is answered when that transaction is durable, with the moment it
 * became durable (`performance.now()`, for the commit → delivery measurement of the fan-out). At most
 * `maxInFlight` batches are in flight (1 unless configured); a twin's writes commit in order because
 * its next write is only decided once the previous one is durable.
 */
import type { Mutation, Store } from '../store/port.js';

export class ConflictError extends Error {
  override name = 'ConflictError';
}

interface Pending {
  readonly mutations: readonly Mutation[];
  readonly resolve: (durableAt: number) => void;
  readonly reject: (e: Error) => void;
}

export interface BatchStats {
  readonly size: number;
  readonly seconds: number;
}

export class GroupCommitter {
  #queue: Pending[] = [];
  #scheduled = false;
  readonly #running = new Set<Promise<void>>();
  readonly #store: Store;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #onBatch: ((stats: BatchStats) => void) | undefined;

  /**
   * `maxInFlight` batches may be handed to the store before the first is durable (default 1). With
   * 2, a store that writes in another thread (SQLite's writer thread) starts the next transaction
   * as soon as the previous one is committed, instead of idling until this thread gets round to
   * flushing again. Safe because a twin's next write is decided only after its previous one
   * committed (KeyedQueue), so batches in flight never share a twin.
   */
  constructor(
    store: Store,
    opts: { maxBatch?: number; maxInFlight?: number; onBatch?: (stats: BatchStats) => void } = {},
  ) {
    this.#store = store;
    this.#maxBatch = opts.maxBatch ?? 1000;
    this.#maxInFlight = Math.max(1, opts.maxInFlight ?? 1);
    this.#onBatch = opts.onBatch;
  }

  /**
   * Resolves once the mutations are durable, with the `performance.now()` at which their batch
   * became durable (one clock read per batch); rejects with ConflictError if any was refused.
   */
  submit(mutations: readonly Mutation[]): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#queue.push({ mutations, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running.size >= this.#maxInFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#queue.length === 0) return;
      const running: Promise<void> = this.#flush().finally(() => {
        this.#running.delete(running);
        if (this.#queue.length > 0) this.#schedule();
      });
      this.#running.add(running);
    });
  }

  async #flush(): Promise<void> {
    const batch: Pending[] = [];
    let count = 0;
    while (this.#queue.length > 0 && count < this.#maxBatch) {
      const p = this.#queue.shift() as Pending;
      batch.push(p);
      count += p.mutations.length;
    }
    const flat: Mutation[] = [];
    const owner: number[] = [];
    batch.forEach((p, i) => {
      for (const m of p.mutations) {
        flat.push(m);
        owner.push(i);
      }
    });
    const started = performance.now();
    try {
      const { conflicts, durableAt } = await this.#store.commit(flat);
      const now = performance.now();
      const failed = new Set(conflicts.map((c) => owner[c]));
      this.#onBatch?.({ size: flat.length, seconds: (now - started) / 1000 });
      const at = durableAt ?? now;
      batch.forEach((p, i) => {
        if (failed.has(i)) p.reject(new ConflictError('revision conflict'));
        else p.resolve(at);
      });
    } catch (e) {
      // One bad submission must not fail its neighbours: retry each on its own.
      if (batch.length === 1) {
        (batch[0] as Pending).reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      for (const p of batch) {
        try {
          const { conflicts, durableAt } = await this.#store.commit(p.mutations);
          if (conflicts.length > 0) p.reject(new ConflictError('revision conflict'));
          else p.resolve(durableAt ?? performance.now());
        } catch (single) {
          p.reject(single instanceof Error ? single : new Error(String(single)));
        }
      }
    }
  }

  /** Waits for everything submitted so far to be committed (used on shutdown). */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#running.size > 0 || this.#scheduled) {
      if (this.#running.size > 0) await Promise.allSettled([...this.#running]);
      else await new Promise((r) => setImmediate(r));
    }
  }
}
