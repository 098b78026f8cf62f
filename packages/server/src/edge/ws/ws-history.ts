/**
 * @module History streaming over the WebSocket (protocol-specification-streaming-subscription):
 * `subscribeForPersistedEvents` is answered by `created` with a subscription id; each `request`
 * adds demand and Egiz sends that many `next` items (the journalled events, cut to what the session
 * may read and filtered), then `complete` once the range is exhausted, or `failed`; `cancel` stops.
 * No `complete` or `failed` comes before the first `request`. Things and Policies (policy events
 * as `{ns}/{name}/policies/events/{action}`, cut to what the session may read of the Policy).
 */
import {
  DittoError,
  envelopeJson,
  policyEventEnvelope,
  streamingEnvelope,
  thingEventEnvelope,
  type JsonObject,
  type PolicyEvent,
  type StreamingSignal,
  type ThingEvent,
  type ThingState,
} from '@egiz/core';
import type { PolicyService } from '../../dispatch/policy-service.js';
import type { ThingService } from '../../dispatch/thing-service.js';
import type { EventFanout, EventSink } from '../../egress/event-fanout.js';
import { compileSelector } from '../../egress/stream-selector.js';
import type { WsSession } from './ws-session.js';

const MAX_SUBSCRIPTIONS_PER_SESSION = 16;

interface Subscription {
  readonly entityId: string;
  readonly group: 'things' | 'policies';
  readonly headers: JsonObject;
  readonly items:
    AsyncGenerator<{ readonly event: ThingEvent; readonly state: ThingState } | PolicyEvent> | undefined;
  readonly failure: DittoError | undefined;
  readonly sink: EventSink;
  demand: number;
  pumping: boolean;
  done: boolean;
}

export class WsHistory {
  readonly #subs = new WeakMap<WsSession, Map<string, Subscription>>();
  #seq = 0;

  constructor(
    private readonly things: ThingService,
    private readonly fanout: EventFanout,
    private readonly clock: () => Date,
    private readonly policies: PolicyService,
  ) {}

  async fromSession(session: WsSession, signal: StreamingSignal, correlationId: string): Promise<void> {
    let subs = this.#subs.get(session);
    if (!subs) {
      subs = new Map();
      this.#subs.set(session, subs);
    }
    const headers: JsonObject = { 'correlation-id': correlationId };
    switch (signal.action) {
      case 'subscribeForPersistedEvents': {
        if (subs.size >= MAX_SUBSCRIPTIONS_PER_SESSION)
          throw new DittoError(
            'too.many.requests',
            `At most ${MAX_SUBSCRIPTIONS_PER_SESSION} history streams per session.`,
          );
        const id = String(++this.#seq);
        const selector = compileSelector(
          signal.range.filter !== undefined ? { filter: signal.range.filter } : {},
          this.clock,
        );
        let items: Subscription['items'];
        let failure: DittoError | undefined;
        if (signal.group === 'policies') {
          const r = signal.range;
          if (r.filter !== undefined)
            failure = new DittoError(
              'protocoladapter:unknown.command',
              'A filter applies to the history of Things, not of Policies.',
            );
          else
            items = this.policies.history(signal.entityId, session.auth, {
              ...(r.fromHistoricalRevision !== undefined ? { fromRevision: r.fromHistoricalRevision } : {}),
              ...(r.toHistoricalRevision !== undefined ? { toRevision: r.toHistoricalRevision } : {}),
              ...(r.fromHistoricalTimestamp !== undefined
                ? { fromTimestamp: r.fromHistoricalTimestamp }
                : {}),
              ...(r.toHistoricalTimestamp !== undefined ? { toTimestamp: r.toHistoricalTimestamp } : {}),
            });
        } else {
          const current = await this.things.load(signal.entityId);
          const r = signal.range;
          const rev = current?.revision ?? 0;
          const from = r.fromHistoricalRevision;
          const to = r.toHistoricalRevision;
          items = this.things.history(signal.entityId, session.auth, {
            ...(from !== undefined
              ? { fromRevision: from < 0 ? Math.max(1, rev + from + 1) : Math.max(1, from) }
              : {}),
            ...(to !== undefined ? { toRevision: to <= 0 ? rev + to : to } : {}),
            ...(r.fromHistoricalTimestamp !== undefined ? { fromTimestamp: r.fromHistoricalTimestamp } : {}),
            ...(r.toHistoricalTimestamp !== undefined ? { toTimestamp: r.toHistoricalTimestamp } : {}),
          });
        }
        subs.set(id, {
          entityId: signal.entityId,
          group: signal.group,
          headers,
          items,
          failure,
          sink: {
            id: `${session.id}/history/${id}`,
            selector,
            subjects: () => session.auth.subjects,
            deliver: () => undefined,
          },
          demand: 0,
          pumping: false,
          done: false,
        });
        this.#send(session, signal.group, signal.entityId, 'created', { subscriptionId: id }, headers);
        return;
      }
      case 'request': {
        const sub = subs.get(signal.subscriptionId);
        if (!sub) throw unknownSubscription(signal.subscriptionId);
        if (signal.demand <= 0) {
          this.#fail(
            session,
            subs,
            signal.subscriptionId,
            sub,
            new DittoError('protocoladapter:unknown.command', 'The demand must be positive.'),
          );
          return;
        }
        sub.demand += signal.demand;
        await this.#pump(session, subs, signal.subscriptionId, sub);
        return;
      }
      case 'cancel': {
        const sub = subs.get(signal.subscriptionId);
        if (!sub) throw unknownSubscription(signal.subscriptionId);
        sub.done = true;
        subs.delete(signal.subscriptionId);
        await sub.items?.return(undefined);
        return;
      }
    }
  }

  async #pump(
    session: WsSession,
    subs: Map<string, Subscription>,
    id: string,
    sub: Subscription,
  ): Promise<void> {
    if (sub.pumping) return;
    sub.pumping = true;
    try {
      if (sub.failure || !sub.items) {
        this.#fail(
          session,
          subs,
          id,
          sub,
          sub.failure ?? new DittoError('gateway:internalerror', 'No history.'),
        );
        return;
      }
      while (!sub.done && sub.demand > 0 && !session.closed) {
        let next;
        try {
          next = await sub.items.next();
        } catch (e) {
          this.#fail(
            session,
            subs,
            id,
            sub,
            e instanceof DittoError
              ? e
              : new DittoError('gateway:internalerror', 'The history could not be read.'),
          );
          return;
        }
        if (next.done) {
          sub.done = true;
          subs.delete(id);
          this.#send(session, sub.group, sub.entityId, 'complete', { subscriptionId: id }, sub.headers);
          return;
        }
        if (!('state' in next.value)) {
          const e = next.value;
          sub.demand--;
          const item = envelopeJson(
            policyEventEnvelope({
              policyId: e.policyId,
              action: e.action,
              path: e.path,
              ...(e.value !== undefined ? { value: e.value } : {}),
              revision: e.revision,
              timestamp: e.timestamp,
            }),
          );
          this.#send(session, sub.group, sub.entityId, 'next', { subscriptionId: id, item }, sub.headers);
          continue;
        }
        const { event, state } = next.value;
        const policyId = state.thing.policyId;
        const d =
          typeof policyId === 'string'
            ? await this.fanout.project(sub.sink, event, policyId, state)
            : undefined;
        if (!d) continue;
        sub.demand--;
        const item = envelopeJson(
          thingEventEnvelope(event, { headers: {}, ...(d.value !== undefined ? { value: d.value } : {}) }),
        );
        this.#send(session, sub.group, sub.entityId, 'next', { subscriptionId: id, item }, sub.headers);
      }
    } finally {
      sub.pumping = false;
    }
  }

  #fail(
    session: WsSession,
    subs: Map<string, Subscription>,
    id: string,
    sub: Subscription,
    error: DittoError,
  ): void {
    sub.done = true;
    subs.delete(id);
    this.#send(
      session,
      sub.group,
      sub.entityId,
      'failed',
      { subscriptionId: id, error: error.toJSON() as unknown as JsonObject },
      sub.headers,
    );
  }

  #send(
    session: WsSession,
    group: 'things' | 'policies',
    entityId: string,
    action: 'created' | 'next' | 'complete' | 'failed',
    value: JsonObject,
    headers: JsonObject,
  ): void {
    session.sendEnvelope(streamingEnvelope({ group, entityId, action, value, headers }), 'response');
  }
}

function unknownSubscription(id: string): DittoError {
  return new DittoError(
    'protocoladapter:unknown.command',
    `There is no history stream '${id}' on this session.`,
  );
}
