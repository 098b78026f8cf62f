/**
 * @module The entry point for Policy commands: load (cache first), enforce on `policy:/...`, decide,
 * group-commit, then remember and publish. Writes on one Policy run in order.
 */
import {
  DittoError,
  evolvePolicy,
  type JsonObject,
  type JsonValue,
  type PolicyEvent,
  type PolicyJson,
  type PolicyState,
} from '@egiz/core';
import type { BusMessage, EventBus } from '../bus/port.js';
import { decidePolicy, type PolicyCommand, type PolicyDecision } from '../policies/decide.js';
import { nextExpiry, removeExpiredSubjects } from '../policies/expired-subjects.js';
import { POLICY_RESOURCE_INFO, describePolicyResource } from '../policies/policy-resource.js';
import type { JournalEntry, Mutation, Store } from '../store/port.js';
import type { AuthContext } from './auth-context.js';
import { effectivePolicyView } from './effective-policy.js';
import { ConflictError, type GroupCommitter } from './group-committer.js';
import { KeyedQueue } from './keyed-queue.js';
import type { PolicyEnforcers } from './policy-enforcers.js';
import { policyRecord, type PolicyRepository } from './policy-repository.js';

const HISTORY_PAGE = 500;

export interface PolicyServiceConfig {
  readonly maxPolicyBytes: number;
}

export interface PreparedPolicyCreation {
  readonly mutation: Mutation;
  readonly message: BusMessage;
  readonly entity: PolicyState;
}

function journalEntry(e: PolicyEvent): JournalEntry {
  return {
    kind: 'policy',
    id: e.policyId,
    revision: e.revision,
    timestamp: e.timestamp,
    type: e.type,
    payload: e as unknown as JsonValue,
  };
}

export function policyMessage(state: PolicyState, e: PolicyEvent): BusMessage {
  return {
    kind: 'policy',
    event: {
      type: e.type,
      policyId: e.policyId,
      revision: e.revision,
      timestamp: e.timestamp,
      ...(state.deleted ? {} : { policy: state.policy }),
    },
  };
}

export class PolicyService {
  readonly #store: Store;
  readonly #bus: EventBus;
  readonly #committer: GroupCommitter;
  readonly #repo: PolicyRepository;
  readonly #enforcers: PolicyEnforcers;
  readonly #clock: () => Date;
  readonly #config: PolicyServiceConfig;
  readonly #queue = new KeyedQueue();
  readonly #expiryTimers = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  constructor(deps: {
    store: Store;
    bus: EventBus;
    committer: GroupCommitter;
    repo: PolicyRepository;
    enforcers: PolicyEnforcers;
    clock: () => Date;
    config: PolicyServiceConfig;
  }) {
    this.#store = deps.store;
    this.#bus = deps.bus;
    this.#committer = deps.committer;
    this.#repo = deps.repo;
    this.#enforcers = deps.enforcers;
    this.#clock = deps.clock;
    this.#config = deps.config;
    deps.repo.onLoaded((state) => this.#scheduleExpiry(state));
  }

  /** Stops expiry timers (graceful shutdown). */
  stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#expiryTimers.values()) clearTimeout(t);
    this.#expiryTimers.clear();
    return this.#queue.drain();
  }

  /** Removes subjects when their expiry is due: a timer per Policy for its earliest expiry. */
  #scheduleExpiry(state: PolicyState): void {
    const old = this.#expiryTimers.get(state.id);
    if (old) clearTimeout(old);
    this.#expiryTimers.delete(state.id);
    if (this.#stopped || state.deleted) return;
    const due = nextExpiry(state.policy);
    if (due === undefined) return;
    const delay = Math.min(Math.max(0, due - this.#clock().getTime()), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      this.#expiryTimers.delete(state.id);
      this.#queue
        .run(state.id, () => this.#removeExpired(state.id))
        .catch(() => {
          // Retried the next time the Policy is loaded or changed; enforcement ignores expired subjects anyway.
        });
    }, delay);
    timer.unref();
    this.#expiryTimers.set(state.id, timer);
  }

  async #removeExpired(policyId: string): Promise<void> {
    const state = await this.#repo.load(policyId);
    if (!state || state.deleted || this.#stopped) return;
    const { events, next } = removeExpiredSubjects(state, this.#clock());
    if (events.length === 0) {
      this.#scheduleExpiry(state);
      return;
    }
    await this.#committer.submit([
      { next: policyRecord(next), expectedRevision: state.revision, events: events.map(journalEntry) },
    ]);
    this.#repo.remember(next);
    this.#bus.publish(events.map((e) => policyMessage(next, e)));
  }

  async execute(
    cmd: PolicyCommand,
    auth: AuthContext,
    historical?: { revision?: number; timestamp?: string },
  ): Promise<PolicyDecision> {
    if (cmd.type === 'retrieve') {
      const resolvedView = cmd.resource.kind === 'policy' && cmd.options.policyView === 'resolved';
      if (resolvedView && historical)
        throw new DittoError(
          'gateway:header.invalid',
          "'policy-view=resolved' cannot be combined with 'at-historical-revision' or 'at-historical-timestamp': imported policies are only known as they are now.",
        );
      const state = historical
        ? await this.#historical(cmd.policyId, historical)
        : await this.#repo.load(cmd.policyId);
      const readable = await this.#readable(cmd, auth, state);
      const resolved =
        resolvedView && state && !state.deleted
          ? await effectivePolicyView(this.#enforcers, state.policy, auth.subjects)
          : undefined;
      return decidePolicy(state, cmd, {
        ...(await this.#context(auth, state, cmd)),
        readable,
        ...(resolved !== undefined ? { resolved } : {}),
      });
    }
    return this.#queue.run(cmd.policyId, () => this.#write(cmd, auth));
  }

  /** Validates and prepares the creation of a Policy written together with something else (a Thing's `_policy`). */
  async prepareCreation(
    policyId: string,
    policy: JsonObject,
    auth: AuthContext,
    allowPolicyLockout: boolean,
  ): Promise<PreparedPolicyCreation> {
    const existing = await this.#repo.load(policyId);
    if (existing && !existing.deleted)
      throw new DittoError('policies:policy.conflict', `A Policy with ID '${policyId}' exists already.`);
    const cmd: PolicyCommand = {
      type: 'modify',
      policyId,
      resource: { kind: 'policy', pointer: [] },
      value: policy,
      options: { allowPolicyLockout },
    };
    const decision = decidePolicy(existing, cmd, await this.#context(auth, existing, cmd));
    if (decision.kind !== 'change') throw new Error('policy creation decided no change');
    const e = decision.events[0] as PolicyEvent;
    return {
      mutation: {
        next: policyRecord(decision.next),
        expectedRevision: existing?.revision ?? 0,
        events: decision.events.map(journalEntry),
      },
      message: policyMessage(decision.next, e),
      entity: decision.next,
    };
  }

  async #context(auth: AuthContext, state: PolicyState | undefined, cmd: PolicyCommand) {
    const candidates: PolicyJson[] = [];
    if (state && !state.deleted) candidates.push(state.policy as unknown as PolicyJson);
    const v = cmd.value;
    // Imports named in the new value must be loaded before decide() resolves the candidate.
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      if (cmd.resource.kind === 'policy') candidates.push(v as unknown as PolicyJson);
      if (cmd.resource.kind === 'imports')
        candidates.push({ entries: {}, imports: v } as unknown as PolicyJson);
      if (cmd.resource.kind === 'import')
        candidates.push({
          entries: {},
          imports: { [cmd.resource.pointer[1] as string]: v },
        });
    }
    const imports = await this.#enforcers.importsOf(...candidates);
    if (imports.missing.length > 0 && cmd.type === 'modify')
      throw new DittoError(
        'policies:import.invalid',
        `The imported Policy '${imports.missing[0] ?? ''}' does not exist or you may not read it.`,
      );
    return {
      now: this.#clock().toISOString(),
      maxPolicyBytes: this.#config.maxPolicyBytes,
      subjects: auth.subjects,
      resolve: imports.resolve,
    };
  }

  /** Enforces READ; returns the view function for the caller. */
  async #readable(
    cmd: PolicyCommand,
    auth: AuthContext,
    state: PolicyState | undefined,
  ): Promise<(p: JsonObject) => JsonObject | undefined> {
    if (!state || state.deleted) return (p) => p;
    const enforcer = await this.#enforcers.enforcer(state.id, undefined);
    if (!enforcer || !enforcer.hasPartial('policy', '/', auth.subjects, ['READ']))
      throw new DittoError(
        'policies:policy.notfound',
        `Policy '${cmd.policyId}' does not exist or you may not read it.`,
      );
    if (!enforcer.hasPartial('policy', cmd.resource.pointer, auth.subjects, ['READ'])) {
      const info = POLICY_RESOURCE_INFO[cmd.resource.kind];
      throw new DittoError(
        info.notFound,
        `${describePolicyResource(cmd.resource, cmd.policyId)} does not exist or you may not read it.`,
      );
    }
    if (enforcer.hasUnrestricted('policy', '/', auth.subjects, ['READ'])) return (p) => p;
    return (p) => enforcer.view('policy', auth.subjects, p) as JsonObject | undefined;
  }

  async #write(cmd: PolicyCommand, auth: AuthContext): Promise<PolicyDecision> {
    for (let attempt = 0; ; attempt++) {
      const state = await this.#repo.load(cmd.policyId);
      if (state && !state.deleted) {
        const enforcer = await this.#enforcers.enforcer(state.id, undefined);
        if (!enforcer || !enforcer.hasPartial('policy', '/', auth.subjects, ['READ']))
          throw new DittoError(
            'policies:policy.notfound',
            `Policy '${cmd.policyId}' does not exist or you may not read it.`,
          );
        if (!enforcer.hasUnrestricted('policy', cmd.resource.pointer, auth.subjects, ['WRITE']))
          throw new DittoError(
            POLICY_RESOURCE_INFO[cmd.resource.kind].notModifiable,
            `${describePolicyResource(cmd.resource, cmd.policyId)} cannot be changed: you lack WRITE permission on it.`,
          );
      }
      const decision = decidePolicy(state, cmd, await this.#context(auth, state, cmd));
      if (decision.kind === 'query') return decision;
      try {
        await this.#committer.submit([
          {
            next: policyRecord(decision.next),
            expectedRevision: state?.revision ?? 0,
            events: decision.events.map(journalEntry),
          },
        ]);
      } catch (e) {
        if (e instanceof ConflictError && attempt < 3) {
          this.#repo.evict(cmd.policyId);
          continue;
        }
        throw e;
      }
      this.#repo.remember(decision.next);
      this.#bus.publish(decision.events.map((e) => policyMessage(decision.next, e)));
      return decision;
    }
  }

  async #historical(
    policyId: string,
    q: { revision?: number; timestamp?: string },
  ): Promise<PolicyState | undefined> {
    const entries = await this.#store.journal('policy', policyId, {
      ...(q.revision !== undefined ? { toRevision: q.revision } : {}),
      ...(q.timestamp !== undefined ? { toTimestamp: q.timestamp } : {}),
    });
    let state: PolicyState | undefined;
    for (const e of entries) state = evolvePolicy(state, e.payload as unknown as PolicyEvent);
    if (!state || (q.revision !== undefined && state.revision !== q.revision))
      throw new DittoError(
        'policies:policy.history.notfound',
        `Policy '${policyId}' has no state at the requested ${q.revision !== undefined ? `revision ${q.revision}` : 'time'}.`,
      );
    return state;
  }

  /**
   * The journalled events of a Policy for history streaming (WebSocket) as the caller may read them
   * by the current Policy: events on parts it cannot read are left out, values cut to its view.
   * Revisions are inclusive bounds, timestamps exclusive, as for Things.
   */
  async *history(
    policyId: string,
    auth: AuthContext,
    range: { fromRevision?: number; toRevision?: number; fromTimestamp?: string; toTimestamp?: string },
  ): AsyncGenerator<PolicyEvent> {
    const current = await this.#repo.load(policyId);
    const enforcer =
      current && !current.deleted ? await this.#enforcers.enforcer(policyId, undefined) : undefined;
    const subjects = auth.subjects;
    if (!current || current.deleted || !enforcer?.hasPartial('policy', '/', subjects, ['READ']))
      throw new DittoError(
        'policies:policy.notfound',
        `Policy '${policyId}' does not exist or you may not read it.`,
      );
    const whole = enforcer.hasUnrestricted('policy', '/', subjects, ['READ']);
    // Negative `from` counts back (the last n revisions), `to` ≤ 0 counts back from the current one.
    const rev = current.revision;
    const to =
      range.toRevision === undefined
        ? rev
        : range.toRevision <= 0
          ? rev + range.toRevision
          : range.toRevision;
    const from = range.fromRevision ?? 1;
    let next = Math.max(1, from < 0 ? rev + from + 1 : from);
    for (;;) {
      const page = await this.#store.journal('policy', policyId, {
        fromRevision: next,
        toRevision: to,
        limit: HISTORY_PAGE,
      });
      for (const entry of page) {
        const event = entry.payload as unknown as PolicyEvent;
        if (range.fromTimestamp !== undefined && !(event.timestamp > range.fromTimestamp)) continue;
        if (range.toTimestamp !== undefined && !(event.timestamp < range.toTimestamp)) return;
        if (whole) {
          yield event;
          continue;
        }
        if (!enforcer.hasPartial('policy', event.pointer, subjects, ['READ'])) continue;
        if (
          event.value === undefined ||
          enforcer.hasUnrestricted('policy', event.pointer, subjects, ['READ'])
        ) {
          yield event;
          continue;
        }
        const value = enforcer.view('policy', subjects, event.value, event.pointer);
        if (value !== undefined) yield { ...event, value };
      }
      if (page.length < HISTORY_PAGE) return;
      next = (page[page.length - 1] as JournalEntry).revision + 1;
    }
  }
}
