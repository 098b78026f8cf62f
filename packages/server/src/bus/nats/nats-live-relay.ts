/**
 * @module Live routing between nodes over NATS: a live signal goes to `<subject>.live.signals`,
 * which every node reads, and the reply to `<subject>.live.replies.<node>`, which only the node
 * that routed the request reads; a custom acknowledgement of an event goes to
 * `<subject>.live.acks.<node>` of the node that published the event. Core publish/subscribe, at most once, like Ditto's live channel:
 * a lost signal or reply surfaces as the request's timeout (408). Whatever arrives is checked for
 * its shape before a handler sees it.
 */
import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { isJsonObject, type JsonObject } from '@egiz/core';
import type { LiveRelay, RelayedLive } from '../port.js';

const KINDS: ReadonlySet<string> = new Set(['message', 'command', 'event']);

export class NatsLiveRelay implements LiveRelay {
  readonly node = randomUUID().replaceAll('-', '');
  readonly #subject: string;
  readonly #signalHandlers = new Set<(signal: RelayedLive) => void>();
  readonly #replyHandlers = new Set<(correlationId: string, request: string, reply: JsonObject) => void>();
  readonly #ackHandlers = new Set<(correlationId: string, label: string, result: JsonObject) => void>();
  readonly #onMalformed: () => void;
  readonly #onUnpublishable: (err: unknown) => void;
  #nc: NatsConnection | undefined;
  #subscriptions: Subscription[] = [];

  constructor(subject: string, hooks: { onMalformed: () => void; onUnpublishable: (err: unknown) => void }) {
    this.#subject = subject;
    this.#onMalformed = hooks.onMalformed;
    this.#onUnpublishable = hooks.onUnpublishable;
  }

  /** Starts reading the signals, and this node's replies and acks, on an open connection. */
  attach(nc: NatsConnection): void {
    this.#nc = nc;
    this.#subscriptions = [
      this.#read(nc, `${this.#subject}.live.signals`, parseSignal, (signal) => {
        if (signal.node !== this.node) for (const h of this.#signalHandlers) h(signal);
      }),
      this.#read(nc, `${this.#subject}.live.acks.${this.node}`, parseAck, (a) => {
        for (const h of this.#ackHandlers) h(a.correlationId, a.label, a.result);
      }),
      this.#read(nc, `${this.#subject}.live.replies.${this.node}`, parseReply, (r) => {
        for (const h of this.#replyHandlers) h(r.correlationId, r.request, r.reply);
      }),
    ];
  }

  /** Subscribes to `subject`, handing on what `parse` accepts and counting what it refuses. */
  #read<T>(
    nc: NatsConnection,
    subject: string,
    parse: (text: string) => T | undefined,
    handle: (value: T) => void,
  ): Subscription {
    return nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        const value = parse(msg.string());
        if (value === undefined) this.#onMalformed();
        else handle(value);
      },
    });
  }

  detach(): void {
    for (const s of this.#subscriptions) s.unsubscribe();
    this.#subscriptions = [];
    this.#nc = undefined;
    this.#signalHandlers.clear();
    this.#replyHandlers.clear();
    this.#ackHandlers.clear();
  }

  broadcast(signal: RelayedLive): void {
    this.#publish(`${this.#subject}.live.signals`, signal);
  }

  onSignal(handler: (signal: RelayedLive) => void): () => void {
    this.#signalHandlers.add(handler);
    return () => this.#signalHandlers.delete(handler);
  }

  reply(node: string, correlationId: string, request: string, reply: JsonObject): void {
    if (!/^[0-9a-f]{32}$/.test(node)) return;
    this.#publish(`${this.#subject}.live.replies.${node}`, { correlationId, request, reply });
  }

  onReply(handler: (correlationId: string, request: string, reply: JsonObject) => void): () => void {
    this.#replyHandlers.add(handler);
    return () => this.#replyHandlers.delete(handler);
  }

  ack(node: string, correlationId: string, label: string, result: JsonObject): void {
    if (!/^[0-9a-f]{32}$/.test(node)) return;
    this.#publish(`${this.#subject}.live.acks.${node}`, { correlationId, label, result });
  }

  onAck(handler: (correlationId: string, label: string, result: JsonObject) => void): () => void {
    this.#ackHandlers.add(handler);
    return () => this.#ackHandlers.delete(handler);
  }

  #publish(subject: string, payload: unknown): void {
    const nc = this.#nc;
    if (!nc) return;
    try {
      nc.publish(subject, JSON.stringify(payload));
    } catch (e) {
      this.#onUnpublishable(e);
    }
  }
}

function parse(text: string): JsonObject | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isJsonObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function parseSignal(text: string): RelayedLive | undefined {
  const v = parse(text);
  if (!v || typeof v.kind !== 'string' || !KINDS.has(v.kind)) return undefined;
  if (typeof v.node !== 'string' || !isJsonObject(v.body)) return undefined;
  return { kind: v.kind as RelayedLive['kind'], node: v.node, body: v.body };
}

function parseReply(text: string): { correlationId: string; request: string; reply: JsonObject } | undefined {
  const v = parse(text);
  if (!v || typeof v.correlationId !== 'string' || typeof v.request !== 'string' || !isJsonObject(v.reply))
    return undefined;
  return { correlationId: v.correlationId, request: v.request, reply: v.reply };
}

function parseAck(text: string): { correlationId: string; label: string; result: JsonObject } | undefined {
  const v = parse(text);
  if (!v || typeof v.correlationId !== 'string' || typeof v.label !== 'string' || !isJsonObject(v.result))
    return undefined;
  if (!Number.isSafeInteger(v.result.status)) return undefined;
  return { correlationId: v.correlationId, label: v.label, result: v.result };
}
