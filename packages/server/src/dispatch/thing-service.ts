/**
 * @module The one entry point for Thing commands: load state (hot cache first), enforce, decide,
 * group-commit, then update the cache and publish. Writes on one Thing run in order; writes on
 * different Things share commits. A command is answered only after its events are durable.
 */
import {
  DittoError,
  evolveThing,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  type ThingEvent,
  type ThingState,
} from '@egiz/core';
import type { BusMessage, EventBus } from '../bus/port.js';
import { defaultPolicy } from '../policies/default-policy.js';
import type { EntityRecord, JournalEntry, Mutation, Store } from '../store/port.js';
import type { ThingCommand } from '../things/command.js';
import { decideThing, type DecideContext, type Decision } from '../things/decide.js';
import type { AuthContext } from './auth-context.js';
import { ConflictError, type GroupCommitter } from './group-committer.js';
import { KeyedQueue } from './keyed-queue.js';
import { LruCache } from './lru-cache.js';
import type { PolicyEntity, PolicyRepository } from './policy-repository.js';

export interface ThingServiceConfig {
  readonly maxThingBytes: number;
  readonly cacheSize: number;
}

export interface HistoricalQuery {
  readonly revision?: number;
  readonly timestamp?: string;
}

export interface ExecuteOptions {
  readonly historical?: HistoricalQuery;
  /** Opaque id of the session that sent the command (realtime edges use it to avoid echoes). */
  readonly origin?: string;
}

const MAX_CONFLICT_RETRIES = 3;

function stateFromRecord(r: EntityRecord): ThingState {
  return {
    thingId: r.id,
    revision: r.revision,
    created: r.created,
    modified: r.modified,
    deleted: r.deleted,
    thing: r.value,
    ...(r.metadata ? { metadata: r.metadata } : {}),
  };
}

function thingRecord(s: ThingState): EntityRecord {
  return {
    kind: 'thing',
    id: s.thingId,
    revision: s.revision,
    deleted: s.deleted,
    created: s.created,
    modified: s.modified,
    value: s.thing,
    ...(s.metadata ? { metadata: s.metadata } : {}),
  };
}

function journalEntry(e: ThingEvent): JournalEntry {
  return {
    kind: 'thing',
    id: e.thingId,
    revision: e.revision,
    timestamp: e.timestamp,
    type: e.type,
    payload: e as unknown as JsonValue,
  };
}

function createsThing(cmd: ThingCommand, state: ThingState | undefined): boolean {
  if (cmd.type === 'create') return true;
  const missing = state === undefined || state.deleted;
  return missing && cmd.resource.kind === 'thing' && (cmd.type === 'modify' || cmd.type === 'merge');
}

export class ThingService {
  readonly #store: Store;
  readonly #bus: EventBus;
  readonly #committer: GroupCommitter;
  readonly #policies: PolicyRepository;
  readonly #clock: () => Date;
  readonly #config: ThingServiceConfig;
  readonly #cache: LruCache<ThingState>;
  readonly #queue = new KeyedQueue();

  constructor(deps: {
    store: Store;
    bus: EventBus;
    committer: GroupCommitter;
    policies: PolicyRepository;
    clock: () => Date;
    config: ThingServiceConfig;
  }) {
    this.#store = deps.store;
    this.#bus = deps.bus;
    this.#committer = deps.committer;
    this.#policies = deps.policies;
    this.#clock = deps.clock;
    this.#config = deps.config;
    this.#cache = new LruCache(deps.config.cacheSize);
  }

  async execute(cmd: ThingCommand, auth: AuthContext, opts: ExecuteOptions = {}): Promise<Decision> {
    if (cmd.type === 'retrieve') {
      const state = opts.historical
        ? await this.#historical(cmd.thingId, opts.historical)
        : await this.load(cmd.thingId);
      const wantsPolicy = cmd.options.fields?.some((f) => f[0] === '_policy') === true;
      const policyId = state?.thing.policyId;
      const policy =
        wantsPolicy && typeof policyId === 'string' ? await this.#policies.loadLive(policyId) : undefined;
      return decideThing(state, cmd, this.#context(state, policy));
    }
    return this.#queue.run(cmd.thingId, () => this.#write(cmd, auth, opts));
  }

  /** Current state from the hot cache, else from the store. */
  async load(thingId: string): Promise<ThingState | undefined> {
    const hit = this.#cache.get(thingId);
    if (hit) return hit;
    const record = await this.#store.get('thing', thingId);
    if (!record) return undefined;
    const state = stateFromRecord(record);
    this.#cache.set(thingId, state);
    return state;
  }

  /** Several Things at once, in the order of ids, missing and deleted ones left out. */
  async loadMany(ids: readonly string[]): Promise<ThingState[]> {
    const found = new Map<string, ThingState>();
    const misses: string[] = [];
    for (const id of ids) {
      const hit = this.#cache.get(id);
      if (hit) found.set(id, hit);
      else misses.push(id);
    }
    if (misses.length > 0)
      for (const r of await this.#store.getMany('thing', misses)) {
        const s = stateFromRecord(r);
        this.#cache.set(r.id, s);
        found.set(r.id, s);
      }
    const out: ThingState[] = [];
    for (const id of ids) {
      const s = found.get(id);
      if (s && !s.deleted) out.push(s);
    }
    return out;
  }

  /** Forget a cached Thing (another node changed it). */
  evict(thingId: string): void {
    this.#cache.delete(thingId);
  }

  /** Waits until queued writes are done (graceful shutdown). */
  drain(): Promise<void> {
    return this.#queue.drain();
  }

  #context(_state: ThingState | undefined, policy?: PolicyEntity): DecideContext {
    const now = this.#clock();
    return {
      now: now.toISOString(),
      clock: this.#clock,
      maxThingBytes: this.#config.maxThingBytes,
      ...(policy ? { policy: policy.policy } : {}),
    };
  }

  async #write(cmd: ThingCommand, auth: AuthContext, opts: ExecuteOptions): Promise<Decision> {
    for (let attempt = 0; ; attempt++) {
      const state = await this.load(cmd.thingId);
      let command = cmd;
      const extra: Mutation[] = [];
      const published: BusMessage[] = [];
      let createdPolicy: PolicyEntity | undefined;
      if (createsThing(cmd, state)) {
        const prepared = await this.#prepareCreation(cmd, auth);
        command = prepared.command;
        if (prepared.policy) {
          extra.push(prepared.policy.mutation);
          published.push(prepared.policy.message);
          createdPolicy = prepared.policy.entity;
        }
      }
      const decision = decideThing(state, command, this.#context(state));
      if (decision.kind === 'query') return decision;
      const mutation: Mutation = {
        next: thingRecord(decision.next),
        expectedRevision: state?.revision ?? 0,
        events: decision.events.map(journalEntry),
      };
      try {
        await this.#committer.submit([...extra, mutation]);
      } catch (e) {
        if (e instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) {
          this.#cache.delete(cmd.thingId);
          continue;
        }
        if (e instanceof ConflictError)
          throw new DittoError(
            'things:thing.unavailable',
            `The Thing with ID '${cmd.thingId}' is being changed concurrently; retry.`,
          );
        throw e;
      }
      this.#cache.set(cmd.thingId, decision.next);
      if (createdPolicy) this.#policies.remember(createdPolicy);
      const policyId = decision.next.thing.policyId;
      for (const event of decision.events)
        published.push({
          kind: 'thing',
          event,
          policyId: typeof policyId === 'string' ? policyId : undefined,
          ...(opts.origin !== undefined ? { origin: opts.origin } : {}),
        });
      this.#bus.publish(published);
      return decision;
    }
  }

  /**
   * Resolves the policy of a Thing about to be created: an existing `policyId`, or a new default
   * policy with the Thing's id. `_policy` / `_copyPolicyFrom` are handled by the policies feature.
   */
  async #prepareCreation(
    cmd: ThingCommand,
    auth: AuthContext,
  ): Promise<{
    command: ThingCommand;
    policy?: { mutation: Mutation; message: BusMessage; entity: PolicyEntity };
  }> {
    const body = cmd.value;
    if (cmd.type !== 'merge' && !isJsonObject(body))
      throw new DittoError('things:thing.invalid', 'The Thing must be a JSON object.');
    const value: JsonObject = isJsonObject(body) ? { ...body } : {};
    delete value._policy;
    delete value._copyPolicyFrom;
    if (typeof value.policyId === 'string') {
      const existing = await this.#policies.loadLive(value.policyId);
      if (!existing)
        throw new DittoError(
          'things:thing.notcreatable',
          `The Thing '${cmd.thingId}' was not created: its policy '${value.policyId}' does not exist.`,
        );
      return { command: { ...cmd, value } };
    }
    if (value.policyId !== undefined) return { command: { ...cmd, value } }; // decide() reports the invalid id
    const policyId = cmd.thingId;
    const existing = await this.#policies.load(policyId);
    if (existing && !existing.deleted)
      throw new DittoError(
        'things:thing.notcreatable',
        `The Thing '${cmd.thingId}' was not created: it has no policyId and its default policy '${policyId}' cannot be created because a Policy with that ID exists. Pass that policyId explicitly to reuse it.`,
      );
    const now = this.#clock().toISOString();
    const policy = defaultPolicy(policyId, auth.primary);
    const revision = (existing?.revision ?? 0) + 1;
    const record: EntityRecord = {
      kind: 'policy',
      id: policyId,
      revision,
      deleted: false,
      created: now,
      modified: now,
      value: policy,
    };
    const type = 'policies.events:policyCreated';
    const mutation: Mutation = {
      next: record,
      expectedRevision: existing?.revision ?? 0,
      events: [
        {
          kind: 'policy',
          id: policyId,
          revision,
          timestamp: now,
          type,
          payload: { type, policyId, revision, timestamp: now, policy },
        },
      ],
    };
    return {
      command: { ...cmd, value: { ...value, policyId } },
      policy: {
        mutation,
        message: { kind: 'policy', event: { type, policyId, revision, timestamp: now, policy } },
        entity: { id: policyId, revision, deleted: false, created: now, modified: now, policy },
      },
    };
  }

  /** Rebuilds a Thing as it was at a revision or a point in time by replaying its journal. */
  async #historical(thingId: string, q: HistoricalQuery): Promise<ThingState | undefined> {
    const entries = await this.#store.journal('thing', thingId, {
      ...(q.revision !== undefined ? { toRevision: q.revision } : {}),
      ...(q.timestamp !== undefined ? { toTimestamp: q.timestamp } : {}),
    });
    if (entries.length === 0) {
      const current = await this.load(thingId);
      if (!current) return undefined;
      throw new DittoError(
        'things:history.notfound',
        `No history of the Thing with ID '${thingId}' exists at the requested ${q.revision !== undefined ? `revision ${q.revision}` : `time ${q.timestamp ?? ''}`}.`,
      );
    }
    let state: ThingState | undefined;
    for (const e of entries) state = evolveThing(state, e.payload as unknown as ThingEvent);
    if (q.revision !== undefined && state && state.revision !== q.revision)
      throw new DittoError(
        'things:history.notfound',
        `The revision ${q.revision} of the Thing with ID '${thingId}' does not exist.`,
      );
    return state;
  }
}
