/**
 * @module The one entry point for Thing commands: load state (hot cache first), enforce, decide,
 * group-commit, then update the cache and publish. Writes on one Thing run in order; writes on
 * different Things share commits. A command is answered only after its events are durable.
 */
import {
  DittoError,
  evolveThing,
  isJsonObject,
  namespaceOf,
  parseEntityId,
  type Enforcer,
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
import { migrationPatch, type MigrationRequest } from '../things/migrate-definition.js';
import { thingWithSpecialFields } from '../things/projection.js';
import type { AuthContext } from './auth-context.js';
import { ConflictError, type GroupCommitter } from './group-committer.js';
import { KeyedQueue } from './keyed-queue.js';
import { RevisionedCache } from './revisioned-cache.js';
import type { PolicyEnforcers } from './policy-enforcers.js';
import type { PolicyEntity, PolicyRepository } from './policy-repository.js';
import type { PolicyService, PreparedPolicyCreation } from './policy-service.js';
import { authorizeRead, authorizeWrite, readableView, thingNotFound } from './thing-enforcement.js';

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
  /** Headers the events of this command carry to subscribers (correlation-id, requested-acks, ...). */
  readonly headers?: Readonly<Record<string, string>>;
}

const MAX_CONFLICT_RETRIES = 3;
const HISTORY_PAGE = 500;

export interface HistoryRange {
  readonly fromRevision?: number;
  readonly toRevision?: number;
  readonly fromTimestamp?: string;
  readonly toTimestamp?: string;
}

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

/** Replaces Ditto's `{{ request:subjectId }}` placeholder in subject ids of an inline policy. */
function substituteSubject(policy: JsonObject, subject: string): JsonObject {
  const text = JSON.stringify(policy).replace(
    /\{\{\s*request:subjectId\s*\}\}/g,
    subject.replace(/["\\]/g, ''),
  );
  return JSON.parse(text) as JsonObject;
}

function createsThing(cmd: ThingCommand, state: ThingState | undefined): boolean {
  const missing = state === undefined || state.deleted;
  // CreateThing (protocol) on an existing Thing is decided (409) after enforcement, like a modify.
  if (cmd.type === 'create') return missing;
  return missing && cmd.resource.kind === 'thing' && (cmd.type === 'modify' || cmd.type === 'merge');
}

export class ThingService {
  readonly #store: Store;
  readonly #bus: EventBus;
  readonly #committer: GroupCommitter;
  readonly #policies: PolicyRepository;
  readonly #enforcers: PolicyEnforcers;
  readonly #policyService: PolicyService;
  readonly #clock: () => Date;
  readonly #config: ThingServiceConfig;
  readonly #cache: RevisionedCache<ThingState>;
  readonly #queue = new KeyedQueue();

  constructor(deps: {
    store: Store;
    bus: EventBus;
    committer: GroupCommitter;
    policies: PolicyRepository;
    enforcers: PolicyEnforcers;
    policyService: PolicyService;
    clock: () => Date;
    config: ThingServiceConfig;
  }) {
    this.#store = deps.store;
    this.#bus = deps.bus;
    this.#committer = deps.committer;
    this.#policies = deps.policies;
    this.#enforcers = deps.enforcers;
    this.#policyService = deps.policyService;
    this.#clock = deps.clock;
    this.#config = deps.config;
    this.#cache = new RevisionedCache(deps.config.cacheSize);
  }

  async execute(cmd: ThingCommand, auth: AuthContext, opts: ExecuteOptions = {}): Promise<Decision> {
    if (cmd.type === 'retrieve') {
      // Permissions come from the current policy, also for historical reads.
      const current = this.#cache.get(cmd.thingId) ?? (await this.load(cmd.thingId));
      if (!current || current.deleted) throw thingNotFound(cmd.thingId);
      const enforcer = await this.#enforcerOf(current);
      authorizeRead(enforcer, auth.subjects, cmd.thingId, cmd.resource);
      const state = opts.historical ? await this.#historical(cmd.thingId, opts.historical) : current;
      const readable = readableView(enforcer, auth.subjects);
      const wantsPolicy = cmd.options.fields?.some((f) => f[0] === '_policy') === true;
      const policy = wantsPolicy ? await this.#readablePolicy(current, auth) : undefined;
      return decideThing(state, cmd, this.#context(policy, readable));
    }
    return this.#queue.run(cmd.thingId, () => this.#write(cmd, auth, opts));
  }

  /**
   * Migrates a Thing to a new definition (POST .../migrateDefinition): computes the merge patch and
   * applies it like a PATCH, or only returns it for a dry run.
   */
  async migrateDefinition(
    thingId: string,
    request: MigrationRequest,
    auth: AuthContext,
    dryRun: boolean,
  ): Promise<{ thingId: string; patch: JsonObject; mergeStatus: 'APPLIED' | 'DRY_RUN' }> {
    return this.#queue.run(thingId, async () => {
      const state = await this.load(thingId);
      if (!state || state.deleted) throw thingNotFound(thingId);
      const enforcer = await this.#enforcerOf(state);
      const readable = enforcer ? readableView(enforcer, auth.subjects) : undefined;
      const target = thingWithSpecialFields(state, readable ? readable(state.thing) : state.thing);
      const patch = migrationPatch(request, state.thing, target, this.#clock);
      const cmd: ThingCommand = {
        type: 'merge',
        thingId,
        resource: { kind: 'thing', pointer: [] },
        value: patch,
        options: {},
      };
      authorizeWrite(enforcer, auth.subjects, cmd);
      if (!dryRun) await this.#write(cmd, auth, {});
      return { thingId, patch, mergeStatus: dryRun ? 'DRY_RUN' : 'APPLIED' };
    });
  }

  /** Up to `limit` Things the caller may read, in id order (GET /things without ids). */
  async list(
    auth: AuthContext,
    options: ThingCommand['options'],
    limit: number,
    maxScanned = 5000,
  ): Promise<JsonValue[]> {
    const out: JsonValue[] = [];
    let after: string | undefined;
    let scanned = 0;
    while (out.length < limit && scanned < maxScanned) {
      const ids = await this.#store.listIds('thing', after, Math.min(500, maxScanned - scanned));
      if (ids.length === 0) break;
      scanned += ids.length;
      after = ids[ids.length - 1];
      for (const thingId of ids) {
        if (out.length >= limit) break;
        try {
          const d = await this.execute(
            { type: 'retrieve', thingId, resource: { kind: 'thing', pointer: [] }, options },
            auth,
          );
          if (d.kind === 'query') out.push(d.value);
        } catch (e) {
          if (!(e instanceof DittoError) || e.status !== 404) throw e;
        }
      }
    }
    return out;
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

  /**
   * The journalled events of a Thing the caller may read (READ somewhere on it, by the current
   * policy), each with the state it produced, for history streaming (SSE, WebSocket). Revisions are
   * inclusive bounds; timestamps exclusive (as Ditto streams persisted events). Reads the journal
   * in pages from the first revision, replaying through `evolveThing` to know each state.
   */
  async *history(
    thingId: string,
    auth: AuthContext,
    range: HistoryRange,
  ): AsyncGenerator<{ readonly event: ThingEvent; readonly state: ThingState }> {
    const current = await this.load(thingId);
    if (!current || current.deleted) throw thingNotFound(thingId);
    authorizeRead(await this.#enforcerOf(current), auth.subjects, thingId, { kind: 'thing', pointer: [] });
    const to = range.toRevision ?? current.revision;
    let state: ThingState | undefined;
    let next = 1;
    for (;;) {
      const page = await this.#store.journal('thing', thingId, {
        fromRevision: next,
        toRevision: to,
        limit: HISTORY_PAGE,
      });
      for (const entry of page) {
        const event = entry.payload as unknown as ThingEvent;
        state = evolveThing(state, event);
        if (event.revision < (range.fromRevision ?? 1)) continue;
        if (range.fromTimestamp !== undefined && !(event.timestamp > range.fromTimestamp)) continue;
        if (range.toTimestamp !== undefined && !(event.timestamp < range.toTimestamp)) return;
        yield { event, state };
      }
      if (page.length < HISTORY_PAGE) return;
      next = (page[page.length - 1] as JournalEntry).revision + 1;
    }
  }

  /** Forget a cached Thing (another node changed it). */
  evict(thingId: string): void {
    this.#cache.delete(thingId);
  }

  /**
   * Another node committed `revision` of the Thing: the cached copy is forgotten if older, and no
   * older state is cached from now on (a write or read of this node that finishes later).
   */
  forgetOlder(thingId: string, revision: number): void {
    this.#cache.forgetOlder(thingId, revision);
  }

  /** Waits until queued writes are done (graceful shutdown). */
  drain(): Promise<void> {
    return this.#queue.drain();
  }

  /** The Thing's enforcer; synchronously when it is cached and current (no promise on a hot read). */
  #enforcerOf(state: ThingState): Enforcer | undefined | Promise<Enforcer | undefined> {
    const policyId = state.thing.policyId;
    if (typeof policyId !== 'string') return undefined;
    const namespace = namespaceOf(state.thingId);
    return this.#enforcers.cached(policyId, namespace) ?? this.#enforcers.enforcer(policyId, namespace);
  }

  /** The Thing's policy as the caller may read it (for `fields=_policy`), or undefined. */
  async #readablePolicy(state: ThingState, auth: AuthContext): Promise<PolicyEntity | undefined> {
    const policyId = state.thing.policyId;
    if (typeof policyId !== 'string') return undefined;
    const policy = await this.#policies.loadLive(policyId);
    const enforcer = policy ? await this.#enforcers.enforcer(policyId, undefined) : undefined;
    if (!policy || !enforcer || !enforcer.hasPartial('policy', '/', auth.subjects, ['READ']))
      return undefined;
    if (enforcer.hasUnrestricted('policy', '/', auth.subjects, ['READ'])) return policy;
    const view = enforcer.view('policy', auth.subjects, policy.policy);
    return isJsonObject(view) ? { ...policy, policy: view } : undefined;
  }

  /** The time is read only when a decision needs it (reads never do), and then once. */
  #context(
    policy: PolicyEntity | undefined,
    readable: ((thing: JsonObject) => JsonObject) | undefined,
  ): DecideContext {
    const clock = this.#clock;
    let now: string | undefined;
    return {
      get now(): string {
        now ??= clock().toISOString();
        return now;
      },
      clock,
      maxThingBytes: this.#config.maxThingBytes,
      ...(policy ? { policy: policy.policy } : {}),
      ...(readable ? { readable } : {}),
    };
  }

  async #write(cmd: ThingCommand, auth: AuthContext, opts: ExecuteOptions): Promise<Decision> {
    for (let attempt = 0; ; attempt++) {
      const state = this.#cache.get(cmd.thingId) ?? (await this.load(cmd.thingId));
      let command = cmd;
      const extra: Mutation[] = [];
      const published: BusMessage[] = [];
      let createdPolicy: PolicyEntity | undefined;
      let readable: ((thing: JsonObject) => JsonObject) | undefined;
      if (createsThing(cmd, state)) {
        const prepared = await this.#prepareCreation(cmd, auth);
        command = prepared.command;
        if (prepared.policy) {
          extra.push(prepared.policy.mutation);
          published.push(prepared.policy.message);
          createdPolicy = prepared.policy.entity;
        }
      } else if (state && !state.deleted) {
        const enforcer = await this.#enforcerOf(state);
        authorizeWrite(enforcer, auth.subjects, cmd);
        readable = readableView(enforcer, auth.subjects);
        await this.#checkPolicyChange(cmd, state, auth);
      }
      const decision = decideThing(state, command, this.#context(undefined, readable));
      if (decision.kind === 'query') return decision;
      const mutation: Mutation = {
        next: thingRecord(decision.next),
        expectedRevision: state?.revision ?? 0,
        events: decision.events.map(journalEntry),
        // What is stored at that revision (cache = last commit): the index diff needs no read-back.
        ...(state !== undefined ? { previous: thingRecord(state) } : {}),
      };
      let committedAt: number;
      try {
        committedAt = await this.#committer.submit([...extra, mutation]);
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
      // A deleted Thing has no policyId any more; its readers are those of the policy it had.
      const policyId = decision.next.thing.policyId ?? state?.thing.policyId;
      for (const event of decision.events)
        published.push({
          kind: 'thing',
          event,
          policyId: typeof policyId === 'string' ? policyId : undefined,
          committedAt,
          ...(opts.origin !== undefined ? { origin: opts.origin } : {}),
          ...(opts.headers !== undefined ? { headers: opts.headers } : {}),
        });
      this.#bus.publish(published);
      return decision;
    }
  }

  /**
   * Resolves the policy of a Thing about to be created: an existing `policyId` the caller may use,
   * an inline `_policy`, a copy (`_copyPolicyFrom`), or a new default policy with the Thing's id.
   */
  async #prepareCreation(
    cmd: ThingCommand,
    auth: AuthContext,
  ): Promise<{ command: ThingCommand; policy?: PreparedPolicyCreation }> {
    const body = cmd.value;
    if (cmd.type !== 'merge' && body !== undefined && !isJsonObject(body))
      throw new DittoError('things:thing.invalid', 'The Thing must be a JSON object.');
    const value: JsonObject = isJsonObject(body) ? { ...body } : {};
    const inline = value._policy;
    const copyFrom = value._copyPolicyFrom;
    delete value._policy;
    delete value._copyPolicyFrom;
    const given = [
      inline !== undefined,
      copyFrom !== undefined,
      typeof value.policyId === 'string' && inline === undefined && copyFrom === undefined,
    ];
    if ((inline !== undefined ? 1 : 0) + (copyFrom !== undefined ? 1 : 0) > 1)
      throw new DittoError('things:policy.notallowed', 'Give either _policy or _copyPolicyFrom, not both.');
    const lockout = cmd.options.allowPolicyLockout === true;
    if (given[2]) {
      const policyId = value.policyId as string;
      const enforcer = await this.#enforcers.enforcer(policyId, namespaceOf(cmd.thingId));
      if (!enforcer)
        throw new DittoError(
          'things:thing.notcreatable',
          `The Thing '${cmd.thingId}' was not created: its policy '${policyId}' does not exist.`,
        );
      if (!enforcer.hasUnrestricted('thing', '/', auth.subjects, ['WRITE']))
        throw new DittoError(
          'things:thing.notcreatable',
          `The Thing '${cmd.thingId}' was not created: policy '${policyId}' does not give you WRITE on thing:/.`,
          { status: 403 },
        );
      return { command: { ...cmd, value } };
    }
    if (value.policyId !== undefined && typeof value.policyId !== 'string')
      return { command: { ...cmd, value } }; // decide() reports it
    const policyId = typeof value.policyId === 'string' ? value.policyId : cmd.thingId;
    let policyJson: JsonObject;
    if (inline !== undefined) {
      if (!isJsonObject(inline))
        throw new DittoError('policies:policy.invalid', '_policy must be a Policy JSON object.');
      policyJson = substituteSubject(inline, auth.primary);
    } else if (copyFrom !== undefined) {
      policyJson = await this.#copyPolicy(copyFrom, auth);
    } else policyJson = defaultPolicy(policyId, auth.primary);
    let prepared: PreparedPolicyCreation;
    try {
      prepared = await this.#policyService.prepareCreation(
        policyId,
        policyJson,
        auth,
        lockout || (inline === undefined && copyFrom === undefined),
      );
    } catch (e) {
      if (
        e instanceof DittoError &&
        e.code === 'policies:policy.conflict' &&
        inline === undefined &&
        copyFrom === undefined
      )
        throw new DittoError(
          'things:thing.notcreatable',
          `The Thing '${cmd.thingId}' was not created: it has no policyId and its default policy '${policyId}' cannot be created because a Policy with that ID exists. Pass that policyId explicitly to reuse it.`,
        );
      throw e;
    }
    return { command: { ...cmd, value: { ...value, policyId } }, policy: prepared };
  }

  /** `_copyPolicyFrom`: a policy id, or `{{ ref:things/<thingId>/policyId }}`; needs READ on the source. */
  async #copyPolicy(source: JsonValue, auth: AuthContext): Promise<JsonObject> {
    if (typeof source !== 'string')
      throw new DittoError(
        'policies:policy.invalid',
        '_copyPolicyFrom must be a policy ID or a {{ ref:things/<id>/policyId }} reference.',
      );
    let policyId = source;
    const ref = /^\{\{\s*ref:things\/([^/\s]+)\/policyId\s*\}\}$/.exec(source);
    if (ref?.[1]) {
      const thing = await this.load(ref[1]);
      const enforcer = thing && !thing.deleted ? await this.#enforcerOf(thing) : undefined;
      if (!thing || !enforcer || !enforcer.hasPartial('thing', ['policyId'], auth.subjects, ['READ']))
        throw thingNotFound(ref[1]);
      policyId = thing.thing.policyId as string;
    }
    const policy = await this.#policies.loadLive(policyId);
    const enforcer = policy ? await this.#enforcers.enforcer(policyId, undefined) : undefined;
    if (!policy || !enforcer || !enforcer.hasUnrestricted('policy', '/', auth.subjects, ['READ']))
      throw new DittoError(
        'policies:policy.notfound',
        `Policy '${policyId}' does not exist or you may not read it.`,
      );
    const copy: JsonObject = { ...policy.policy };
    delete copy.policyId;
    return copy;
  }

  /** Changing policyId needs the new policy to exist and to let the caller WRITE the Thing. */
  async #checkPolicyChange(cmd: ThingCommand, state: ThingState, auth: AuthContext): Promise<void> {
    const v = cmd.value;
    let next: JsonValue | undefined;
    if (cmd.resource.kind === 'policyId') next = v;
    else if (cmd.resource.kind === 'thing' && isJsonObject(v)) next = v.policyId;
    // An invalid id is reported by decide() with the right code.
    if (typeof next !== 'string' || next === state.thing.policyId || !parseEntityId(next)) return;
    const enforcer = await this.#enforcers.enforcer(next, namespaceOf(cmd.thingId));
    if (!enforcer || !enforcer.hasUnrestricted('thing', '/', auth.subjects, ['WRITE']))
      throw new DittoError(
        'things:policyId.notmodifiable',
        `The policy of Thing '${cmd.thingId}' cannot be changed to '${next}': that policy does not exist or does not give you WRITE on thing:/.`,
      );
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
