/**
 * @module Loads and caches Policies (the JSON as stored). A change made on this node replaces the
 * cache entry when it is committed, so the next request sees it; broker buses evict entries changed
 * on other nodes.
 */
import type { PolicyState } from '@egiz/core';
import type { EntityRecord, Store } from '../store/port.js';
import { RevisionedCache } from './revisioned-cache.js';

export type PolicyEntity = PolicyState;

export function policyFromRecord(r: EntityRecord): PolicyState {
  return {
    id: r.id,
    revision: r.revision,
    deleted: r.deleted,
    created: r.created,
    modified: r.modified,
    policy: r.value,
  };
}

export function policyRecord(s: PolicyState): EntityRecord {
  return {
    kind: 'policy',
    id: s.id,
    revision: s.revision,
    deleted: s.deleted,
    created: s.created,
    modified: s.modified,
    value: s.policy,
  };
}

export class PolicyRepository {
  readonly #cache: RevisionedCache<PolicyState>;
  readonly #store: Store;
  readonly #listeners: ((state: PolicyState) => void)[] = [];

  constructor(store: Store, capacity = 10_000) {
    this.#store = store;
    this.#cache = new RevisionedCache(capacity);
  }

  async load(id: string): Promise<PolicyState | undefined> {
    const hit = this.#cache.get(id);
    if (hit) return hit;
    const record = await this.#store.get('policy', id);
    if (!record) return undefined;
    const entity = policyFromRecord(record);
    this.#cache.set(entity.id, entity);
    for (const l of this.#listeners) l(entity);
    return entity;
  }

  /** The cached Policy, without going to the store (undefined: not cached). */
  peek(id: string): PolicyState | undefined {
    return this.#cache.get(id);
  }

  /** Called with every Policy loaded from the store or remembered after a change. */
  onLoaded(listener: (state: PolicyState) => void): void {
    this.#listeners.push(listener);
  }

  /** The live (not deleted) policy, or undefined. */
  async loadLive(id: string): Promise<PolicyState | undefined> {
    const p = await this.load(id);
    return p && !p.deleted ? p : undefined;
  }

  remember(entity: PolicyState): void {
    this.#cache.set(entity.id, entity);
    for (const l of this.#listeners) l(entity);
  }

  evict(id: string): void {
    this.#cache.delete(id);
  }

  /**
   * Another node committed `revision` of the Policy: the cached copy is forgotten if older, and no
   * older state is cached from now on (a change or load of this node that finishes later).
   */
  forgetOlder(id: string, revision: number): void {
    this.#cache.forgetOlder(id, revision);
  }
}
