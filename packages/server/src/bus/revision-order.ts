/**
 * @module Revision order per entity for a bus fed by several nodes. One node publishes a twin's
 * events in revision order, but two nodes that write the same twin one after the other (PostgreSQL
 * deployments) publish independently, so the later revision may reach a subscriber first. This
 * guard lets each message pass in revision order per entity:
 *
 * - the first message of an entity it has not seen (or has forgotten) passes at once;
 * - the next revision passes at once, and so do the held messages it makes consecutive;
 * - a message ahead of a gap is held until the gap fills, at most `holdMs`; then what is held
 *   passes in order and the gap is given up (the missing revision counts as lost if it comes later);
 * - a revision at or below the last one passed is late or a duplicate: it is dropped and counted,
 *   because a subscriber must never see a twin go back in time.
 *
 * Pure apart from the timer; memory is bounded by `maxEntities` (least recently seen forgotten first)
 * and `maxHeld` (the oldest gap is given up when more messages than that are held).
 */

export interface Ordered {
  /** Entity key (kind and id): revisions are compared within one key only. */
  readonly key: string;
  readonly revision: number;
}

export interface RevisionOrderOptions<T extends Ordered> {
  /** Receives every message that passes, in revision order per key. */
  readonly pass: (message: T) => void;
  /** Called for a message dropped as late or duplicate (metrics, logs). */
  readonly dropped?: (message: T) => void;
  /** How long a message may wait for the revisions before it (default 200 ms). */
  readonly holdMs?: number;
  /** Entities whose last revision is remembered (default 100,000). */
  readonly maxEntities?: number;
  /** Messages held at most, over all entities (default 10,000). */
  readonly maxHeld?: number;
}

interface Gap<T> {
  /** Held messages by revision. */
  readonly held: Map<number, T>;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class RevisionOrder<T extends Ordered> {
  readonly #pass: (message: T) => void;
  readonly #dropped: ((message: T) => void) | undefined;
  readonly #holdMs: number;
  readonly #maxEntities: number;
  readonly #maxHeld: number;
  /** Last revision passed per key, in least-recently-seen order (Map insertion order). */
  readonly #last = new Map<string, number>();
  /** Keys with held messages, oldest gap first. */
  readonly #gaps = new Map<string, Gap<T>>();
  #heldCount = 0;

  constructor(options: RevisionOrderOptions<T>) {
    this.#pass = options.pass;
    this.#dropped = options.dropped;
    this.#holdMs = options.holdMs ?? 200;
    this.#maxEntities = options.maxEntities ?? 100_000;
    this.#maxHeld = options.maxHeld ?? 10_000;
  }

  /** Messages waiting for a gap to fill. */
  get held(): number {
    return this.#heldCount;
  }

  offer(message: T): void {
    const { key, revision } = message;
    const last = this.#last.get(key);
    if (last === undefined) {
      this.#passOne(message);
      return;
    }
    if (revision <= last) {
      this.#dropped?.(message);
      return;
    }
    if (revision === last + 1) {
      this.#passOne(message);
      this.#release(key, false);
      return;
    }
    this.#hold(key, message);
  }

  /** Passes everything held (in order per key) and stops the timers, e.g. when the bus closes. */
  flush(): void {
    for (const key of [...this.#gaps.keys()]) this.#release(key, true);
  }

  #passOne(message: T): void {
    const key = message.key;
    this.#last.delete(key);
    this.#last.set(key, message.revision);
    if (this.#last.size > this.#maxEntities) {
      for (const oldest of this.#last.keys()) {
        if (!this.#gaps.has(oldest)) {
          this.#last.delete(oldest);
          break;
        }
      }
    }
    try {
      this.#pass(message);
    } catch {
      // The receiver reports its own failures; order keeping goes on.
    }
  }

  #hold(key: string, message: T): void {
    let gap = this.#gaps.get(key);
    if (gap === undefined) {
      const timer = setTimeout(() => this.#release(key, true), this.#holdMs);
      timer.unref?.();
      gap = { held: new Map(), timer };
      this.#gaps.set(key, gap);
    }
    if (gap.held.has(message.revision)) {
      this.#dropped?.(message);
      return;
    }
    gap.held.set(message.revision, message);
    this.#heldCount++;
    if (this.#heldCount > this.#maxHeld) {
      const oldest = this.#gaps.keys().next().value;
      if (oldest !== undefined) this.#release(oldest, true);
    }
  }

  /**
   * Passes the held messages of `key` that are now consecutive; with `giveUp`, passes all of them in
   * order, skipping the gaps.
   */
  #release(key: string, giveUp: boolean): void {
    const gap = this.#gaps.get(key);
    if (gap === undefined) return;
    const held = gap.held;
    if (giveUp) {
      const revisions = [...held.keys()].sort((a, b) => a - b);
      for (const r of revisions) {
        const m = held.get(r) as T;
        held.delete(r);
        this.#heldCount--;
        if (r > (this.#last.get(key) ?? -Infinity)) this.#passOne(m);
        else this.#dropped?.(m);
      }
    } else {
      for (let next = (this.#last.get(key) ?? 0) + 1; held.has(next); next++) {
        const m = held.get(next) as T;
        held.delete(next);
        this.#heldCount--;
        this.#passOne(m);
      }
    }
    if (held.size === 0) {
      clearTimeout(gap.timer);
      this.#gaps.delete(key);
    }
  }
}
