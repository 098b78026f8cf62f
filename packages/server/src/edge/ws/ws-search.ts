/**
 * @module The search protocol over the WebSocket (protocol-specification-things-search): a
 * reactive-streams subscription on `_/_/things/twin/search/*`. `subscribe` (value: filter, options
 * with size and sort, namespaces; envelope `fields`) is always answered by `created` with a
 * subscription id; each `request` adds demand in pages, and Egiz sends that many `next` pages of
 * items (what the caller may read, in order, fetched as demanded), then `complete`; a bad query or
 * a protocol mistake ends it with `failed`. No `complete`/`failed` comes before the first `request`.
 * `cancel` ends the subscription; pages already sent may still arrive.
 */
import {
  DittoError,
  isJsonObject,
  type DittoEnvelope,
  type JsonObject,
  type JsonValue,
  type SearchSignal,
} from '@egiz/core';
import { DEFAULT_PAGE_SIZE, parseStreamRequest, type SearchRequest } from '../../search/search-request.js';
import type { OutboxLimits } from '../../egress/outbox.js';
import type { SearchService } from '../../search/search-service.js';
import type { WsSession } from './ws-session.js';

const MAX_SUBSCRIPTIONS_PER_SESSION = 16;

type Item = { readonly thingId: string; readonly item: JsonObject };

interface Subscription {
  readonly headers: JsonObject;
  readonly size: number;
  readonly items: AsyncGenerator<Item> | undefined;
  /** Why the subscription fails on its first request (an invalid query). */
  readonly failure: DittoError | undefined;
  /** An item read ahead to know whether the page just sent was the last one. */
  ahead: IteratorResult<Item> | undefined;
  demand: number;
  pumping: boolean;
  done: boolean;
}

function protocolError(message: string): DittoError {
  return new DittoError('thing-search:subscription.protocol.error', message);
}

function stringOrUndefined(v: JsonValue | undefined, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new DittoError('thing-search:search.option.invalid', `'${name}' must be a string.`);
  return v;
}

/** The search request of a `subscribe` value and the envelope's `fields`. */
function subscribeRequest(value: JsonValue | undefined, fields: string | undefined): SearchRequest {
  const v = value ?? {};
  if (!isJsonObject(v))
    throw new DittoError(
      'thing-search:search.option.invalid',
      'The value of subscribe must be a JSON object.',
    );
  const raw = v.namespaces;
  const namespaces =
    Array.isArray(raw) && raw.every((n): n is string => typeof n === 'string') ? raw : undefined;
  if (raw !== undefined && raw !== null && namespaces === undefined)
    throw new DittoError(
      'thing-search:search.namespaces.invalid',
      "'namespaces' must be an array of strings.",
    );
  return parseStreamRequest({
    filter: stringOrUndefined(v.filter, 'filter'),
    option: stringOrUndefined(v.options, 'options'),
    namespaces: namespaces?.join(','),
    fields,
  });
}

export class WsSearch {
  readonly #search: SearchService;
  readonly #limits: OutboxLimits;
  readonly #subs = new WeakMap<WsSession, Map<string, Subscription>>();
  #seq = 0;

  constructor(search: SearchService, limits: OutboxLimits) {
    this.#search = search;
    this.#limits = limits;
  }

  /**
   * A large demand must not flood the session's bounded outbox (that would close the session for a
   * client that reads fine): pages wait while the outbox is half full.
   */
  async #room(session: WsSession): Promise<void> {
    const full = () => {
      const stats = session.outboxStats;
      return stats.queued > this.#limits.maxQueued / 2 || stats.queuedBytes > this.#limits.maxQueuedBytes / 2;
    };
    while (!session.closed && full()) await new Promise((r) => setTimeout(r, 5));
  }

  async fromSession(
    session: WsSession,
    signal: SearchSignal,
    envelope: DittoEnvelope,
    correlationId: string,
  ): Promise<void> {
    let subs = this.#subs.get(session);
    if (!subs) {
      subs = new Map();
      this.#subs.set(session, subs);
    }
    const value = isJsonObject(signal.value) ? signal.value : {};
    switch (signal.action) {
      case 'subscribe': {
        if (subs.size >= MAX_SUBSCRIPTIONS_PER_SESSION)
          throw protocolError(`At most ${MAX_SUBSCRIPTIONS_PER_SESSION} search subscriptions per session.`);
        const id = `${session.id}-${++this.#seq}`;
        const headers: JsonObject = { 'correlation-id': correlationId };
        let request: SearchRequest | undefined;
        let failure: DittoError | undefined;
        try {
          request = subscribeRequest(signal.value, envelope.fields);
        } catch (e) {
          failure = e instanceof DittoError ? e : protocolError('The subscription is not valid.');
        }
        subs.set(id, {
          headers,
          size: request?.size ?? DEFAULT_PAGE_SIZE,
          items: request ? this.#search.stream(request, session.auth) : undefined,
          failure,
          ahead: undefined,
          demand: 0,
          pumping: false,
          done: false,
        });
        send(session, 'created', { subscriptionId: id }, headers);
        return;
      }
      case 'request': {
        const id = value.subscriptionId;
        const sub = typeof id === 'string' ? subs.get(id) : undefined;
        if (typeof id !== 'string' || sub === undefined) return this.#unknown(session, id, correlationId);
        const demand = value.demand;
        if (typeof demand !== 'number' || !Number.isInteger(demand) || demand <= 0) {
          await this.#fail(
            session,
            subs,
            id,
            sub,
            protocolError(`The demand must be a positive integer, not ${JSON.stringify(demand ?? null)}.`),
          );
          return;
        }
        sub.demand = Math.min(sub.demand + demand, Number.MAX_SAFE_INTEGER);
        await this.#pump(session, subs, id, sub);
        return;
      }
      case 'cancel': {
        const id = value.subscriptionId;
        const sub = typeof id === 'string' ? subs.get(id) : undefined;
        if (typeof id !== 'string' || sub === undefined) return this.#unknown(session, id, correlationId);
        sub.done = true;
        subs.delete(id);
        await sub.items?.return(undefined);
        return;
      }
      default:
        throw new DittoError(
          'protocoladapter:unknown.command',
          `'${signal.action}' is sent by Egiz, not by clients.`,
        );
    }
  }

  #unknown(session: WsSession, id: JsonValue | undefined, correlationId: string): void {
    const subscriptionId = typeof id === 'string' ? id : '';
    const error = new DittoError(
      'thing-search:subscription.not.found',
      `There is no search subscription '${subscriptionId}' on this connection.`,
    );
    send(
      session,
      'failed',
      { subscriptionId, error: error.toJSON() as unknown as JsonObject },
      { 'correlation-id': correlationId },
    );
  }

  async #next(sub: Subscription): Promise<IteratorResult<Item>> {
    const ahead = sub.ahead;
    if (ahead !== undefined) {
      sub.ahead = undefined;
      return ahead;
    }
    return (sub.items as AsyncGenerator<Item>).next();
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
        await this.#fail(
          session,
          subs,
          id,
          sub,
          sub.failure ?? protocolError('The subscription is not valid.'),
        );
        return;
      }
      while (!sub.done && sub.demand > 0 && !session.closed) {
        await this.#room(session);
        const items: JsonObject[] = [];
        let last = false;
        while (items.length < sub.size) {
          const next = await this.#next(sub);
          if (next.done) {
            last = true;
            break;
          }
          items.push(next.value.item);
        }
        if (!last) {
          sub.ahead = await sub.items.next();
          last = sub.ahead.done === true;
        }
        if (sub.done) return;
        if (items.length > 0) {
          sub.demand--;
          send(session, 'next', { subscriptionId: id, items }, sub.headers);
        }
        if (last) {
          sub.done = true;
          subs.delete(id);
          send(session, 'complete', { subscriptionId: id }, sub.headers);
          return;
        }
      }
    } catch (e) {
      await this.#fail(
        session,
        subs,
        id,
        sub,
        e instanceof DittoError
          ? e
          : new DittoError('gateway:internalerror', 'The search could not continue.'),
      );
    } finally {
      sub.pumping = false;
    }
  }

  async #fail(
    session: WsSession,
    subs: Map<string, Subscription>,
    id: string,
    sub: Subscription,
    error: DittoError,
  ): Promise<void> {
    sub.done = true;
    subs.delete(id);
    send(
      session,
      'failed',
      { subscriptionId: id, error: error.toJSON() as unknown as JsonObject },
      sub.headers,
    );
    await sub.items?.return(undefined);
  }
}

function send(
  session: WsSession,
  action: 'created' | 'next' | 'complete' | 'failed',
  value: JsonObject,
  headers: JsonObject,
): void {
  session.sendEnvelope(
    { topic: `_/_/things/twin/search/${action}`, headers: { ...headers }, path: '/', value },
    'response',
  );
}
