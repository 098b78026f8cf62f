/**
 * @module The event bus over NATS (core publish/subscribe), for several Egiz processes sharing one
 * PostgreSQL: what one node commits reaches the subscribers of every node.
 *
 * - Local subscribers get a node's own messages at once, without the round trip to the broker (with
 *   `committedAt` intact for the commit → delivery metric); the connection is opened with `noEcho`,
 *   so the broker does not send them back.
 * - Each message goes out on `<subject>.things.<namespace>` or `<subject>.policies.<namespace>` as
 *   JSON without `committedAt` (another process's clock means nothing here); every node subscribes
 *   to both. Live signals travel beside them (NatsLiveRelay, `<subject>.live.*`).
 * - Local and remote messages pass one RevisionOrder guard, so each entity's messages reach the
 *   subscribers in revision order even when two nodes wrote the same twin one after the other.
 * - Delivery between nodes is at most once, as Ditto's own pub/sub: while the broker is unreachable
 *   the client buffers what is published and reconnects forever; what a node misses is not replayed.
 *   Messages dropped (late, malformed, too large for the broker) are logged and counted.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { namespaceOf } from '@egiz/core';
import type { BusListener, BusMessage, EventBus, LiveRelay } from '../port.js';
import { RevisionOrder } from '../revision-order.js';
import { parseBusMessage } from './bus-message-codec.js';
import { NatsLiveRelay } from './nats-live-relay.js';

/** The subset of a pino logger the adapter writes to. */
export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export type DropReason = 'late' | 'malformed' | 'unpublishable';

export interface NatsBusOptions {
  /** One or more `nats://host:port` addresses (comma-separated). */
  readonly url: string;
  /** Subject prefix shared by the nodes of one deployment, e.g. `egiz.events`. */
  readonly subject: string;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  /** Connection name shown by the broker's monitoring. */
  readonly name?: string;
  readonly logger?: BusLogger;
  /** Counts a message that was dropped (metrics). */
  readonly onDropped?: (reason: DropReason) => void;
  /** How long a message may wait for an earlier revision of its entity (default 200 ms). */
  readonly holdMs?: number;
  /** How long the first connection may take (default 5 s). */
  readonly connectTimeoutMs?: number;
}

interface Keyed {
  readonly key: string;
  readonly revision: number;
  readonly message: BusMessage;
}

function keyed(message: BusMessage): Keyed {
  return message.kind === 'thing'
    ? { key: `thing:${message.event.thingId}`, revision: message.event.revision, message }
    : { key: `policy:${message.event.policyId}`, revision: message.event.revision, message };
}

/**
 * The message as it travels: without the publishing process's clock reading, and with the
 * publishing node when a thing event asks for acknowledgements (they come back to that node).
 */
function wireJson(message: BusMessage, node: string): string {
  if (message.kind !== 'thing') return JSON.stringify(message);
  const { committedAt: _local, ...rest } = message;
  return JSON.stringify(message.headers?.['requested-acks'] !== undefined ? { ...rest, node } : rest);
}

export class NatsBus implements EventBus {
  readonly #options: NatsBusOptions;
  readonly #listeners = new Set<BusListener>();
  readonly #arrivals = new Set<BusListener>();
  readonly #order: RevisionOrder<Keyed>;
  readonly #relay: NatsLiveRelay;
  #nc: NatsConnection | undefined;
  #subscription: Subscription | undefined;
  #policySubscription: Subscription | undefined;
  #closed = false;
  #up = false;
  #opening: Promise<void> | undefined;

  constructor(options: NatsBusOptions) {
    this.#options = options;
    this.#order = new RevisionOrder<Keyed>({
      pass: (k) => this.#deliver(k.message),
      dropped: (k) => this.#drop('late', { key: k.key, revision: k.revision }),
      ...(options.holdMs !== undefined ? { holdMs: options.holdMs } : {}),
    });
    this.#relay = new NatsLiveRelay(options.subject, {
      onMalformed: () => this.#drop('malformed', { subject: `${options.subject}.live` }),
      onUnpublishable: (e) =>
        this.#drop('unpublishable', {
          subject: `${options.subject}.live`,
          err: e instanceof Error ? e.message : String(e),
        }),
    });
  }

  /** Live messages, commands and events between the nodes (usable before `open`: sends nothing yet). */
  get relay(): LiveRelay {
    return this.#relay;
  }

  /**
   * Connects and subscribes; rejects with a clear message when the broker cannot be reached. Called
   * again, it answers the same promise; `close()` during it waits for it and closes what it opened.
   */
  open(): Promise<void> {
    return (this.#opening ??= this.#connect());
  }

  async #connect(): Promise<void> {
    const o = this.#options;
    const servers = o.url
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    let nc: NatsConnection;
    try {
      // Loaded on first use: a node on the in-process bus never pays for the client.
      const { connect } = await import('@nats-io/transport-node');
      nc = await connect({
        servers,
        name: o.name ?? 'egiz',
        noEcho: true,
        timeout: o.connectTimeoutMs ?? 5000,
        // Once connected, keep trying for as long as the process runs.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        ...(o.user !== undefined ? { user: o.user } : {}),
        ...(o.password !== undefined ? { pass: o.password } : {}),
        ...(o.token !== undefined ? { token: o.token } : {}),
      });
    } catch (e) {
      throw new Error(
        `the NATS event bus could not connect to ${servers.join(', ')}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    if (this.#closed) {
      await nc.close();
      return;
    }
    this.#nc = nc;
    // Committed events only; the live relay reads its own subjects below the same prefix.
    this.#subscription = nc.subscribe(`${o.subject}.things.>`, { callback: this.#onWire });
    this.#policySubscription = nc.subscribe(`${o.subject}.policies.>`, { callback: this.#onWire });
    this.#relay.attach(nc);
    this.#up = true;
    void this.#watch(nc);
    // A round trip: the broker has registered the subscriptions before open() resolves, so nothing
    // another node publishes after this node is up can pass it by.
    try {
      await nc.flush();
    } catch (e) {
      this.#nc = undefined;
      this.#relay.detach();
      await nc.close().catch(() => undefined);
      throw new Error(`the NATS event bus lost its connection while subscribing: ${String(e)}`, { cause: e });
    }
  }

  readonly #onWire = (err: Error | null, msg: Msg): void => {
    if (err || this.#closed) return;
    const message = parseBusMessage(msg.string());
    if (message === undefined) {
      this.#drop('malformed', { subject: msg.subject, bytes: msg.data.length });
      return;
    }
    for (const l of this.#arrivals) {
      try {
        l(message);
      } catch {
        // An observer's failure must not stop delivery.
      }
    }
    // The publishing node is for the arrival observers (acknowledgement routing), not subscribers.
    if (message.kind === 'thing' && message.node !== undefined) {
      const { node: _publisher, ...delivered } = message;
      this.#order.offer(keyed(delivered));
    } else this.#order.offer(keyed(message));
  };

  publish(messages: readonly BusMessage[]): void {
    if (this.#closed) return;
    const nc = this.#nc;
    const prefix = this.#options.subject;
    for (const m of messages) {
      this.#order.offer(keyed(m));
      if (!nc) continue;
      const ns = namespaceOf(m.kind === 'thing' ? m.event.thingId : m.event.policyId) || '_';
      const subject = `${prefix}.${m.kind === 'thing' ? 'things' : 'policies'}.${ns}`;
      try {
        nc.publish(subject, wireJson(m, this.#relay.node));
      } catch (e) {
        this.#drop('unpublishable', {
          subject,
          revision: m.event.revision,
          err: e instanceof Error ? e.message : String(e),
        });
      }
    }
  }

  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  connected(): boolean {
    return this.#up && !this.#closed;
  }

  onArrival(listener: BusListener): () => void {
    this.#arrivals.add(listener);
    return () => this.#arrivals.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#order.flush();
    this.#listeners.clear();
    this.#arrivals.clear();
    // An open() under way finishes first (and, seeing the bus closed, closes what it connected).
    await this.#opening?.catch(() => undefined);
    const nc = this.#nc;
    if (!nc) return;
    this.#subscription?.unsubscribe();
    this.#policySubscription?.unsubscribe();
    this.#relay.detach();
    // Drain: what was published before close leaves before the connection ends.
    try {
      await nc.drain();
    } catch {
      await nc.close();
    }
  }

  #deliver(message: BusMessage): void {
    for (const l of this.#listeners) {
      try {
        l(message);
      } catch {
        // A failing subscriber must not stop delivery to the others; subscribers log their own errors.
      }
    }
  }

  #drop(reason: DropReason, details: Record<string, unknown>): void {
    this.#options.onDropped?.(reason);
    this.#options.logger?.warn({ ...details, reason }, 'event bus: a message was dropped');
  }

  /** Logs the connection's ups and downs until it closes. */
  async #watch(nc: NatsConnection): Promise<void> {
    const log = this.#options.logger;
    try {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') log?.warn({ server: s.server }, 'event bus: NATS connection lost');
        else if (s.type === 'reconnect')
          log?.info({ server: s.server }, 'event bus: NATS connection restored');
        else if (s.type === 'error') log?.warn({ err: String(s.error) }, 'event bus: NATS error');
        else if (s.type === 'slowConsumer')
          log?.warn({ pending: s.pending }, 'event bus: this node reads the NATS subject too slowly');
      }
    } catch {
      // The status stream ends with the connection.
    }
  }
}
