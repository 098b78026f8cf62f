/**
 * @module Loads and caches Policies (the JSON as stored). A change made on this node replaces the
 * cache entry when it is committed, so the next request sees it; broker buses evict entries changed
 * on other nodes.
 */
import type { JsonObject } from '@egiz/core';
import type { EntityRecord, Store } from '../store/port.js';
import { LruCache } from './lru-cache.js';

export interface PolicyEntity {
  readonly id: string;
  readonly revision: number;
  readonly deleted: boolean;
  readonly created: string;
  readonly modified: string;
  readonly policy: JsonObject;
}

export function policyFromRecord(r: EntityRecord): PolicyEntity {
  return {
    id: r.id,
    revision: r.revision,
    deleted: r.deleted,
    created: r.created,
    modified: r.modified,
    policy: r.value,
  };
}

export class PolicyRepository {
  readonly #cache: LruCache<PolicyEntity>;
  readonly #store: Store;

  constructor(store: Store, capacity = 10_000) {
    this.#store = store;
    this.#cache = new LruCache(capacity);
  }

  async load(id: string): Promise<PolicyEntity | undefined> {
    const hit = this.#cache.get(id);
    if (hit) return hit;
    const record = await this.#store.get('policy', id);
    if (!record) return undefined;
    const entity = policyFromRecord(record);
    this.#cache.set(id, entity);
    return entity;
  }

  /** The live (not deleted) policy, or undefined. */
  async loadLive(id: string): Promise<PolicyEntity | undefined> {
    const p = await this.load(id);
    return p && !p.deleted ? p : undefined;
  }

  remember(entity: PolicyEntity): void {
    this.#cache.set(entity.id, entity);
  }

  evict(id: string): void {
    this.#cache.delete(id);
  }
}
