/**
 * @module The hot cache of revisioned entities (Things, Policies): a bounded LRU that, on a broker
 * bus, follows other nodes' commits — `forgetOlder` drops a cached copy older than a revision another
 * node committed, and `set` refuses a state older than one heard of (a write or store read of this
 * node that finishes after the other node's newer commit was announced).
 */
import { LruCache } from './lru-cache.js';
import { NewestRevisions } from './newest-revisions.js';

export class RevisionedCache<V extends { readonly revision: number }> {
  readonly #cache: LruCache<V>;
  readonly #newest: NewestRevisions;

  constructor(capacity: number) {
    this.#cache = new LruCache(capacity);
    this.#newest = new NewestRevisions(capacity);
  }

  get(id: string): V | undefined {
    return this.#cache.get(id);
  }

  /** Caches `state`, unless another node committed a later revision (then the entry is dropped). */
  set(id: string, state: V): void {
    if (this.#newest.outdated(id, state.revision)) this.#cache.delete(id);
    else this.#cache.set(id, state);
  }

  delete(id: string): void {
    this.#cache.delete(id);
  }

  /** Another node committed `revision` of `id`: an older cached copy is forgotten, none is cached later. */
  forgetOlder(id: string, revision: number): void {
    this.#newest.heard(id, revision);
    const hit = this.#cache.get(id);
    if (hit && hit.revision < revision) this.#cache.delete(id);
  }
}
