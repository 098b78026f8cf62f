/**
 * @module The newest revision of each entity that another node is known to have committed (heard
 * over a broker bus). A node must not cache a state older than that: its own write or store read may
 * finish after the other node's newer commit was announced, and caching it then would serve the old
 * state until the entity changes again. Bounded (least recently heard forgotten first); empty, and
 * free, on a single node.
 */
import { LruCache } from './lru-cache.js';

export class NewestRevisions {
  readonly #heard: LruCache<number>;

  constructor(capacity: number) {
    this.#heard = new LruCache(capacity);
  }

  /** Another node committed `revision` of `id`. */
  heard(id: string, revision: number): void {
    const known = this.#heard.get(id);
    if (known === undefined || known < revision) this.#heard.set(id, revision);
  }

  /** Whether a state at `revision` is older than one another node committed. */
  outdated(id: string, revision: number): boolean {
    const known = this.#heard.get(id);
    return known !== undefined && known > revision;
  }
}
