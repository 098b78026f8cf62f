/**
 * @module The event bus port: committed events go out in revision order per entity; subscribers
 * filter and deliver them. Adapters: memory/ (one process); broker adapters implement the same port.
 */
import type { JsonObject, ThingEvent } from '@egiz/core';

export interface PolicyChange {
  readonly type: string;
  readonly policyId: string;
  readonly revision: number;
  readonly timestamp: string;
  /** The policy after the change; undefined when deleted. */
  readonly policy?: JsonObject;
}

export type BusMessage =
  | {
      readonly kind: 'thing';
      readonly event: ThingEvent;
      readonly policyId: string | undefined;
      readonly origin?: string;
      /**
       * When the commit of the event was durable: `performance.now()` of the publishing process. Only
       * for the process's own commit → delivery metric; never sent to subscribers, and a broker
       * adapter leaves it out (another process's clock means nothing here).
       */
      readonly committedAt?: number;
      /**
       * Ditto headers of the command that caused the event which subscribers see on it (lower-case
       * names): `correlation-id`, `requested-acks` (custom labels only, JSON array), `ditto-originator`.
       */
      readonly headers?: Readonly<Record<string, string>>;
      /**
       * The node that published it (set by broker buses on what travels between nodes): custom
       * acknowledgements of the event go back to that node, which waits for them.
       */
      readonly node?: string;
    }
  | { readonly kind: 'policy'; readonly event: PolicyChange; readonly origin?: string };

export type BusListener = (message: BusMessage) => void;

/**
 * A live signal (message, live command, live event) handed to the other nodes: never stored, never
 * ordered, at most once. `node` is the node that routes it and waits for the reply; `body` is the
 * signal as the router encodes it (the receiving router checks it).
 */
export interface RelayedLive {
  readonly kind: 'message' | 'command' | 'event';
  readonly node: string;
  readonly body: JsonObject;
}

/** Live routing between nodes, offered by broker buses (undefined on the in-process bus). */
export interface LiveRelay {
  /** This node's id (unique per process). */
  readonly node: string;
  /** Hands a live signal to every other node. */
  broadcast(signal: RelayedLive): void;
  /** Signals from other nodes; returns the function that stops listening. */
  onSignal(handler: (signal: RelayedLive) => void): () => void;
  /**
   * Sends the reply to a request that `node` routed; `request` is the id that node gave the request
   * (correlation-ids are the clients' choice, so they alone cannot tell two requests apart).
   */
  reply(node: string, correlationId: string, request: string, reply: JsonObject): void;
  /** Replies other nodes sent to this node's requests. */
  onReply(handler: (correlationId: string, request: string, reply: JsonObject) => void): () => void;
  /** Sends a custom acknowledgement to the node that published the acknowledged event. */
  ack(node: string, correlationId: string, label: string, result: JsonObject): void;
  /** Acknowledgements other nodes sent to this node. */
  onAck(handler: (correlationId: string, label: string, result: JsonObject) => void): () => void;
}

export interface EventBus {
  /** Connects to the broker, when the adapter has one (called once, before the first publish). */
  open?(): Promise<void>;
  /** Publishes committed events; must be called only after the commit is durable. */
  publish(messages: readonly BusMessage[]): void;
  /** Returns an unsubscribe function. */
  subscribe(listener: BusListener): () => void;
  /**
   * Every message from another node the moment it arrives, before the bus restores revision order
   * (which may hold it back): for the caches, which must forget older copies at once.
   */
  onArrival?(listener: BusListener): () => void;
  /** Whether the broker is reachable now (adapters with one; the in-process bus is always up). */
  connected?(): boolean;
  /** Live routing between nodes, when the adapter connects several. */
  readonly relay?: LiveRelay;
  close(): Promise<void>;
}
