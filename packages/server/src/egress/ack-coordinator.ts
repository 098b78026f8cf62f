/**
 * @module Acknowledgements (basic-acknowledgements): which acks a signal requests, with Ditto's
 * defaults and rules for `requested-acks`, `response-required` and `timeout`; the labels sessions
 * declare (unique per process); and collecting custom acks by correlation-id until all arrived or
 * the timeout turned the missing ones into 408s. Built-in labels are issued by Egiz itself:
 * `twin-persisted` and `search-persisted` right after the commit (the search index is written in the
 * same transaction), `live-response` by the live router.
 */
import {
  DittoError,
  isBuiltInAckLabel,
  parseDuration,
  parseRequestedAcks,
  type AckResult,
  type JsonObject,
  type JsonValue,
} from '@egiz/core';
import type { LiveRelay } from '../bus/port.js';
import { LruCache } from '../dispatch/lru-cache.js';

export type HeaderSource = (name: string) => JsonValue | undefined;

export interface AckRequest {
  readonly correlationId: string;
  readonly channel: 'twin' | 'live';
  /** Requested labels in request order, built-ins of the other channel left out. */
  readonly requested: readonly string[];
  /** Labels other than the built-ins: issued by subscribers. */
  readonly custom: readonly string[];
  /** True when the answer is the aggregated acks, not just the command's response. */
  readonly aggregated: boolean;
  readonly responseRequired: boolean;
  readonly timeoutMs: number;
  /** Headers the resulting events carry (`requested-acks` with the custom labels). */
  readonly eventHeaders: Readonly<Record<string, string>>;
}

export const DEFAULT_ACK_TIMEOUT_MS = 60_000;

function text(v: JsonValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : JSON.stringify(v);
}

function bool(name: string, v: JsonValue | undefined): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new DittoError(
    'gateway:header.invalid',
    `The value '${text(v) ?? ''}' of the header '${name}' is not a boolean.`,
  );
}

/**
 * Reads and checks the acknowledgement headers of a signal. `edge` decides what a contradiction
 * is: over WebSocket, acks without a response cannot be delivered; over HTTP they are awaited and
 * answered with 202.
 */
export function parseAckRequest(
  get: HeaderSource,
  meta: {
    readonly correlationId: string;
    readonly channel: 'twin' | 'live';
    readonly edge: 'http' | 'ws';
    readonly defaultTimeoutMs?: number;
  },
): AckRequest {
  const requestedRaw = parseRequestedAcks(get('requested-acks'));
  const timeoutRaw = text(get('timeout'));
  const timeoutMs =
    timeoutRaw === undefined ? (meta.defaultTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS) : parseDuration(timeoutRaw);
  const rrRaw = bool('response-required', get('response-required'));
  const channelDefault = meta.channel === 'twin' ? 'twin-persisted' : 'live-response';
  const responseRequired =
    rrRaw ?? !(timeoutMs === 0 || (requestedRaw !== undefined && requestedRaw.length === 0));
  let requested: string[];
  if (requestedRaw === undefined) requested = timeoutMs === 0 || !responseRequired ? [] : [channelDefault];
  else requested = [...requestedRaw];
  if (meta.channel === 'live') {
    if (responseRequired && requestedRaw === undefined && !requested.includes('live-response'))
      requested.unshift('live-response');
    if (!responseRequired) requested = requested.filter((l) => l !== 'live-response');
    requested = requested.filter((l) => l !== 'twin-persisted' && l !== 'search-persisted');
  } else requested = requested.filter((l) => l !== 'live-response');
  if (timeoutMs === 0 && (responseRequired || requested.length > 0))
    throw new DittoError(
      'acknowledgement:header.invalid',
      "A timeout of 0 cannot be combined with 'response-required: true' or requested acknowledgements.",
    );
  if (meta.edge === 'ws' && !responseRequired && requested.length > 0)
    throw new DittoError(
      'acknowledgement:header.invalid',
      "Acknowledgements were requested with 'response-required: false'; over a WebSocket they could not be delivered.",
    );
  const custom = requested.filter((l) => !isBuiltInAckLabel(l));
  const aggregated = requested.some((l) => l !== channelDefault);
  return {
    correlationId: meta.correlationId,
    channel: meta.channel,
    requested,
    custom,
    aggregated,
    responseRequired,
    timeoutMs,
    eventHeaders: custom.length > 0 ? { 'requested-acks': JSON.stringify(custom) } : {},
  };
}

export function ackTimeout(label: string, timeoutMs: number, correlationId: string): AckResult {
  const error = new DittoError(
    'acknowledgement:request.timeout',
    `The acknowledgement request reached the specified timeout of ${timeoutMs}ms.`,
  );
  return {
    status: 408,
    payload: error.toJSON() as unknown as JsonObject,
    headers: { 'correlation-id': correlationId },
  };
}

interface Pending {
  readonly labels: ReadonlySet<string>;
  readonly results: Map<string, AckResult>;
  readonly done: Promise<Map<string, AckResult>>;
  readonly resolve: () => void;
  readonly timer: NodeJS.Timeout;
}

/** How long an event from another node may be acknowledged here, at most (Ditto's longest ack timeout). */
const REMOTE_ROUTE_MS = DEFAULT_ACK_TIMEOUT_MS;
/** Events from other nodes whose acknowledgements this node routes at once, at most. */
const REMOTE_ROUTES = 10_000;

/**
 * Custom acks collected per correlation-id, and the labels each session declared. With a broker bus
 * (`relay`), an ack for an event another node published goes back to that node, which waits for it.
 */
export class AckCoordinator {
  readonly #pending = new Map<string, Pending>();
  readonly #declared = new Map<string, string>();
  readonly #relay: LiveRelay | undefined;
  /** Correlation-id of an event from another node → that node, until the route expires. */
  readonly #routes = new LruCache<{ readonly node: string; readonly until: number }>(REMOTE_ROUTES);
  readonly #offRelay: (() => void) | undefined;

  constructor(opts: { readonly relay?: LiveRelay } = {}) {
    this.#relay = opts.relay;
    // Acks from other nodes are for this node's requests only: never routed on again.
    this.#offRelay = opts.relay?.onAck((cid, label, result) => {
      this.#receiveHere(cid, label, result as unknown as AckResult);
    });
  }

  /** An event another node published asks for custom acks: they are routed back to that node. */
  routeToNode(correlationId: string, node: string): void {
    this.#routes.set(correlationId, { node, until: Date.now() + REMOTE_ROUTE_MS });
  }

  /** Declares labels for a session; throws `acknowledgement:label.not.unique` or `...forbidden`. */
  declare(owner: string, labels: readonly string[]): void {
    for (const l of labels) {
      if (isBuiltInAckLabel(l))
        throw new DittoError(
          'acknowledgement:ditto.acklabel.forbidden',
          `The label '${l}' is issued by Egiz and cannot be declared.`,
        );
      const holder = this.#declared.get(l);
      if (holder !== undefined && holder !== owner)
        throw new DittoError(
          'acknowledgement:label.not.unique',
          `The acknowledgement label '${l}' is declared by another session.`,
        );
    }
    for (const l of labels) this.#declared.set(l, owner);
  }

  release(owner: string): void {
    for (const [l, o] of this.#declared) if (o === owner) this.#declared.delete(l);
  }

  /**
   * Starts waiting for the custom labels of a request (before the command runs, so that no ack can
   * be missed); resolves with their results once all arrived or the timeout filled in the rest.
   */
  expect(req: AckRequest): Promise<Map<string, AckResult>> {
    if (req.custom.length === 0) return Promise.resolve(new Map<string, AckResult>());
    if (this.#pending.has(req.correlationId))
      throw new DittoError(
        'gateway:header.invalid',
        `Acknowledgements for the correlation-id '${req.correlationId}' are awaited already; use a unique correlation-id.`,
      );
    const results = new Map<string, AckResult>();
    let resolve!: () => void;
    const done = new Promise<Map<string, AckResult>>((r) => (resolve = () => r(results)));
    const timer = setTimeout(() => {
      for (const l of req.custom)
        if (!results.has(l)) results.set(l, ackTimeout(l, req.timeoutMs, req.correlationId));
      this.#finish(req.correlationId);
    }, req.timeoutMs);
    timer.unref();
    this.#pending.set(req.correlationId, { labels: new Set(req.custom), results, done, resolve, timer });
    return done;
  }

  cancel(correlationId: string): void {
    const p = this.#pending.get(correlationId);
    if (!p) return;
    clearTimeout(p.timer);
    this.#pending.delete(correlationId);
  }

  /**
   * An ack from a subscriber: for a request waiting here, or for an event another node published
   * (sent there); false when nobody waits for it (late or unknown).
   */
  receive(correlationId: string, label: string, result: AckResult): boolean {
    if (this.#receiveHere(correlationId, label, result)) return true;
    const route = this.#routes.get(correlationId);
    if (!route || !this.#relay) return false;
    if (route.until < Date.now()) {
      this.#routes.delete(correlationId);
      return false;
    }
    this.#relay.ack(route.node, correlationId, label, result as unknown as JsonObject);
    return true;
  }

  #receiveHere(correlationId: string, label: string, result: AckResult): boolean {
    const p = this.#pending.get(correlationId);
    if (!p || !p.labels.has(label) || p.results.has(label)) return false;
    p.results.set(label, result);
    if (p.results.size === p.labels.size) this.#finish(correlationId);
    return true;
  }

  /** Whether `owner` declared `label`. */
  declaredBy(label: string, owner: string): boolean {
    return this.#declared.get(label) === owner;
  }

  /** Weak acks (200, `ditto-weak-ack: true`) for labels `owner` declared but will not issue. */
  weak(owner: string, correlationId: string | undefined, labels: readonly string[]): void {
    if (correlationId === undefined) return;
    for (const l of labels)
      if (this.declaredBy(l, owner))
        this.receive(correlationId, l, {
          status: 200,
          headers: { 'correlation-id': correlationId, 'ditto-weak-ack': true },
        });
  }

  #finish(correlationId: string): void {
    const p = this.#pending.get(correlationId);
    if (!p) return;
    clearTimeout(p.timer);
    this.#pending.delete(correlationId);
    p.resolve();
  }

  /** Stops every timer (shutdown). */
  close(): void {
    this.#offRelay?.();
    this.#routes.clear();
    for (const id of [...this.#pending.keys()]) {
      const p = this.#pending.get(id);
      if (p) {
        for (const l of p.labels) if (!p.results.has(l)) p.results.set(l, ackTimeout(l, 0, id));
        this.#finish(id);
      }
    }
  }
}

/**
 * The results of a twin command's requested acks in request order: the built-ins from its outcome
 * (`twin-persisted` carries the response status and body), the custom ones as collected.
 */
export function twinAckResults(
  req: AckRequest,
  outcome: {
    readonly status: number;
    readonly value?: JsonValue;
    readonly headers: Readonly<Record<string, string>>;
  },
  custom: ReadonlyMap<string, AckResult>,
): Map<string, AckResult> {
  const out = new Map<string, AckResult>();
  const headers: JsonObject = { 'correlation-id': req.correlationId };
  for (const label of req.requested) {
    if (label === 'twin-persisted')
      out.set(label, {
        status: outcome.status,
        ...(outcome.value !== undefined ? { payload: outcome.value } : {}),
        headers: { ...headers, ...outcome.headers },
      });
    else if (label === 'search-persisted') out.set(label, { status: 204, headers });
    else out.set(label, custom.get(label) ?? ackTimeout(label, req.timeoutMs, req.correlationId));
  }
  return out;
}
