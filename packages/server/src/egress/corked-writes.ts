/**
 * @module The socket writes of realtime consumers, gathered per event-loop turn: a socket is corked
 * at its first frame of the turn and queued, and one `setImmediate` uncorks every queued socket, so
 * that the frames of a group-commit batch of events leave in one syscall per socket instead of one
 * per event, with one timer for all sockets. A producer that knows its batch is complete writes
 * them at once (`flush`, the fan-out once it has drained). `afterWrites` tells when every socket
 * corked so far has been written (the last stage of the commit → delivery metric).
 *
 * All queued sockets are written in one go on purpose. Writing them in slices of 128 per turn (so
 * that a commit reply or the next event could be taken between slices) was measured on the
 * development VM with 1,000 subscribers at 55 events/s: the hand-over tail shrank 2–3× but the
 * writes themselves finished later (p50 +10–20 ms), because fewer events shared one syscall per
 * socket while the loop was near saturation (docs/adr/0005-realtime-egress.md).
 */

/** What a transport socket offers for batching (node:net's Socket). */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

export class CorkedWrites {
  #queue: Corkable[] = [];
  readonly #marked = new WeakSet<Corkable>();
  #waiters: ((now: number) => void)[] = [];
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    const sockets = this.#queue;
    const waiters = this.#waiters;
    this.#queue = [];
    this.#waiters = [];
    for (const socket of sockets) {
      this.#marked.delete(socket);
      socket.uncork();
    }
    if (waiters.length === 0) return;
    const now = performance.now();
    for (const callback of waiters) {
      try {
        callback(now);
      } catch {
        // An observer's failure must not stop the others.
      }
    }
  };

  /**
   * Writes every corked socket now instead of on the next turn: for a producer that knows its batch
   * is complete (the fan-out, once it has handed every pending event to its subscribers).
   */
  flush(): void {
    if (this.#queue.length > 0 || this.#waiters.length > 0) this.#flush();
  }

  /** Sockets corked and not yet written. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Corks a socket until the next turn writes it (no-op while it waits already). */
  cork(socket: Corkable): void {
    if (this.#marked.has(socket)) return;
    this.#marked.add(socket);
    socket.cork();
    this.#queue.push(socket);
    this.#schedule();
  }

  /**
   * Calls `callback` (with `performance.now()`) once every socket corked before this call has been
   * written, i.e. after this turn's writes. Callbacks come in call order.
   */
  afterWrites(callback: (now: number) => void): void {
    this.#waiters.push(callback);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#flush);
  }
}
