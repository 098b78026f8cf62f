/**
 * @module One WebSocket session of /ws/2: text frames in (control messages or Ditto Protocol
 * envelopes), frames out through a bounded Outbox. Each frame is one short list of steps:
 * decode -> (control | signal) -> authorise and act (services enforce) -> answer with the matching
 * response or error envelope, correlation-id echoed. A malformed frame is answered with an error
 * envelope; the connection stays open. Commands in flight per session are limited.
 */
import { randomUUID } from 'node:crypto';
import type { ControlFrameError } from '@egiz/core';
import {
  DittoError,
  booleanHeader,
  controlAck,
  correlationIdOf,
  envelopeJson,
  isJsonObject,
  parseControlFrame,
  parseSignal,
  policyErrorEnvelope,
  policyResponseEnvelope,
  retrieveThingsResponseEnvelope,
  thingErrorEnvelope,
  thingEventEnvelope,
  thingResponseEnvelope,
  type ControlFrame,
  type DittoEnvelope,
  type JsonObject,
  type JsonValue,
  type ProtocolSignal,
  type StreamKind,
} from '@egiz/core';
import type { AuthContext } from '../../dispatch/auth-context.js';
import type { CountCell } from '../../ops/metrics.js';
import type { EventDelivery, EventSink } from '../../egress/event-fanout.js';
import { Outbox, type Frame, type OutboxStats } from '../../egress/outbox.js';
import { compileSelector, type StreamSelector } from '../../egress/stream-selector.js';
import { parseJsonBody } from '../http/json-body.js';
import type { WsContext } from './ws-context.js';
import { runPolicyCommand, runRetrieveThings, runThingCommand, type TwinOutcome } from './twin-commands.js';

/** The part of a `ws` WebSocket the session uses (keeps the session testable). */
export interface SessionSocket {
  /** Sends a text frame (strings, or UTF-8 bytes); `done` once flushed or failed. */
  send(data: Frame, done: () => void): void;
  close(code: number, reason: string): void;
  terminate(): void;
}

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;
export const CLOSE_TRY_AGAIN_LATER = 1013;

type FrameKind = 'event' | 'response' | 'error' | 'message' | 'ack' | 'control' | 'live' | 'announcement';

export class WsSession {
  readonly id = randomUUID();
  readonly #socket: SessionSocket;
  readonly #ctx: WsContext;
  readonly #outbox: Outbox;
  readonly #streams = new Map<StreamKind, () => void>();
  readonly declaredAcks: ReadonlySet<string>;
  readonly #frameCells: Partial<Record<FrameKind, CountCell>> = {};
  #auth: AuthContext;
  #inFlight = 0;
  #closed = false;

  constructor(socket: SessionSocket, auth: AuthContext, ctx: WsContext, declaredAcks: ReadonlySet<string>) {
    this.#socket = socket;
    this.#auth = auth;
    this.#ctx = ctx;
    this.declaredAcks = declaredAcks;
    this.#outbox = new Outbox(
      { write: (frame, done) => socket.send(frame, done) },
      ctx.limits.outbox,
      (stats) => this.#overflow(stats),
    );
  }

  get auth(): AuthContext {
    return this.#auth;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get outboxStats(): OutboxStats {
    return this.#outbox.stats;
  }

  /** Replaces the authorization after a JWT refresh (same subject, checked by the caller). */
  refreshAuth(auth: AuthContext): void {
    this.#auth = auth;
  }

  /** Sends a frame through the bounded outbox; false when the session is closing. */
  send(frame: Frame, kind: FrameKind): boolean {
    if (this.#closed) return false;
    const ok = this.#outbox.push(frame);
    if (ok) (this.#frameCells[kind] ??= this.#ctx.metrics.frameCell('ws', kind)).n++;
    return ok;
  }

  sendEnvelope(e: DittoEnvelope, kind: FrameKind): boolean {
    return this.send(JSON.stringify(envelopeJson(e)), kind);
  }

  /** Ends the session: unsubscribes everything and closes the socket with a reason. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#streams.values()) off();
    this.#streams.clear();
    this.#ctx.onSessionClosed(this);
    this.#socket.close(code, reason.slice(0, 120));
    this.#outbox.close();
  }

  /** The socket went away (closed by the client or the network). */
  disconnected(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#streams.values()) off();
    this.#streams.clear();
    this.#outbox.close();
    this.#ctx.onSessionClosed(this);
  }

  /** Closes the session with an error envelope first (token expired, overflow, shutdown). */
  closeWithError(error: DittoError, code: number): void {
    if (this.#closed) return;
    this.#outbox.pushFinal(
      JSON.stringify(envelopeJson(thingErrorEnvelope({ error: error.toJSON(), headers: {} }))),
    );
    this.close(code, error.message);
  }

  /** An error envelope not tied to a signal (e.g. a refused JWT-TOKEN). */
  sendEnvelopeError(error: DittoError, headers: JsonObject = {}): void {
    this.sendEnvelope(thingErrorEnvelope({ error: error.toJSON(), headers }), 'error');
  }

  #overflow(stats: OutboxStats): void {
    this.#ctx.metrics.realtimeOverflows.inc({ edge: 'ws' });
    this.#ctx.logger.warn(
      { session: this.id, subject: this.#auth.primary, queued: stats.queued, queuedBytes: stats.queuedBytes },
      'websocket consumer too slow: outbound queue overflowed, closing the session',
    );
    const error = new DittoError(
      'gateway:streaming.overflow',
      `The session read too slowly: more than ${this.#ctx.limits.outbox.maxQueued} frames or ${this.#ctx.limits.outbox.maxQueuedBytes} bytes were waiting for it.`,
    );
    this.closeWithError(error, CLOSE_TRY_AGAIN_LATER);
    // A peer that reads nothing never completes the close handshake: cut it after a grace period.
    setTimeout(() => this.#socket.terminate(), this.#ctx.limits.closeGraceMs).unref();
  }

  /** One incoming text frame. Never throws; every failure is answered. */
  async onText(text: string): Promise<void> {
    if (this.#closed) return;
    let control: ControlFrame | undefined;
    try {
      control = parseControlFrame(text);
    } catch (e) {
      this.#reject('malformed');
      this.sendEnvelope(
        thingErrorEnvelope({
          error: new DittoError(
            'protocoladapter:unknown.command',
            `Malformed control message: ${(e as ControlFrameError).message}.`,
          ).toJSON(),
          headers: {},
        }),
        'error',
      );
      return;
    }
    if (control) return this.#onControl(control);
    let json: JsonValue;
    try {
      json = parseJsonBody(text);
    } catch (e) {
      this.#reject('malformed');
      this.sendEnvelope(thingErrorEnvelope({ error: toDitto(e).toJSON(), headers: {} }), 'error');
      return;
    }
    const correlationId = rawCorrelationId(json) ?? randomUUID();
    let envelope: DittoEnvelope;
    let signal: ProtocolSignal;
    try {
      ({ envelope, signal } = parseSignal(json));
    } catch (e) {
      this.#reject('malformed');
      this.#sendError(undefined, toDitto(e), { 'correlation-id': correlationId }, json);
      return;
    }
    if (this.#inFlight >= this.#ctx.limits.maxInFlight) {
      this.#reject('in-flight-limit');
      this.#sendError(
        signal,
        new DittoError(
          'too.many.requests',
          `More than ${this.#ctx.limits.maxInFlight} commands are in flight on this session; wait for their answers.`,
        ),
        { 'correlation-id': correlationId },
        json,
      );
      return;
    }
    this.#inFlight++;
    try {
      await this.#onSignal(signal, envelope, correlationId);
    } catch (e) {
      const error = toDitto(e);
      if (error.code === 'gateway:internalerror')
        this.#ctx.logger.error({ err: e, session: this.id, correlationId }, 'unexpected error on websocket');
      // Contradicting ack headers are reported even with response-required false (Ditto's table).
      if (responseRequired(envelope) || error.code === 'acknowledgement:header.invalid')
        this.#sendError(signal, error, { 'correlation-id': correlationId }, json);
    } finally {
      this.#inFlight--;
    }
  }

  #reject(reason: string): void {
    this.#ctx.metrics.realtimeRejected.inc({ edge: 'ws', reason });
  }

  async #onSignal(signal: ProtocolSignal, envelope: DittoEnvelope, correlationId: string): Promise<void> {
    const base = { 'correlation-id': correlationId };
    switch (signal.kind) {
      case 'thing-command': {
        if (signal.channel === 'live')
          return this.#ctx.live.fromSession(this, signal, envelope, correlationId);
        const routed = await this.#ctx.live.conditional(this, signal, envelope, correlationId);
        if (routed === 'live') return;
        const matched = routed === 'twin' ? { 'live-channel-condition-matched': 'false' } : {};
        const acks = this.#ctx.acks.prepare(signal, envelope, correlationId);
        const outcome = await this.#ctx.acks.run(acks, () =>
          runThingCommand(signal, this.#twin(correlationId, acks.eventHeaders)),
        );
        if (acks.aggregated) return this.#ctx.acks.respond(this, acks, outcome, signal);
        if (responseRequired(envelope))
          this.sendEnvelope(
            thingResponseEnvelope({
              thingId: signal.thingId,
              action: signal.action,
              path: signal.path,
              status: outcome.status,
              ...(outcome.value !== undefined ? { value: outcome.value } : {}),
              headers: { ...base, ...outcome.headers, ...matched },
            }),
            'response',
          );
        return;
      }
      case 'retrieve-things': {
        const outcome = await runRetrieveThings(signal, this.#twin(correlationId, {}));
        if (responseRequired(envelope))
          this.sendEnvelope(
            retrieveThingsResponseEnvelope({
              ...(signal.namespace !== undefined ? { namespace: signal.namespace } : {}),
              things: outcome.value as JsonValue[],
              headers: base,
            }),
            'response',
          );
        return;
      }
      case 'policy-command': {
        const outcome: TwinOutcome = await runPolicyCommand(signal, this.#twin(correlationId, {}));
        if (responseRequired(envelope))
          this.sendEnvelope(
            policyResponseEnvelope({
              policyId: signal.policyId,
              action: signal.action,
              path: signal.path,
              status: outcome.status,
              ...(outcome.value !== undefined ? { value: outcome.value } : {}),
              headers: { ...base, ...outcome.headers },
            }),
            'response',
          );
        return;
      }
      case 'message':
      case 'thing-response':
      case 'thing-error':
      case 'thing-event':
        if (signal.kind === 'thing-event' && signal.channel === 'twin')
          throw new DittoError(
            'protocoladapter:unknown.command',
            'Twin events are emitted by Egiz; send a command to change a twin.',
          );
        if (signal.kind !== 'message' && signal.kind !== 'thing-event' && signal.channel === 'twin')
          throw new DittoError(
            'protocoladapter:unknown.command',
            'Twin responses and errors are sent by Egiz, not by clients.',
          );
        return this.#ctx.live.fromSession(this, signal, envelope, correlationId);
      case 'ack':
        return this.#ctx.acks.fromSession(this, signal);
      case 'streaming':
        return this.#ctx.history.fromSession(this, signal, correlationId);
      case 'search':
        return this.#ctx.search.fromSession(this, signal, envelope, correlationId);
      default:
        throw new DittoError(
          'protocoladapter:unknown.command',
          `A '${signal.kind}' signal cannot be sent by a client.`,
        );
    }
  }

  #twin(correlationId: string, ackHeaders: Readonly<Record<string, string>>) {
    return {
      things: this.#ctx.things,
      policies: this.#ctx.policies,
      auth: this.#auth,
      origin: this.id,
      eventHeaders: {
        'correlation-id': correlationId,
        'ditto-originator': this.#auth.primary,
        ...ackHeaders,
      },
    };
  }

  #sendError(
    signal: ProtocolSignal | undefined,
    error: DittoError,
    headers: JsonObject,
    raw?: JsonValue,
  ): void {
    const json = error.toJSON();
    if (signal?.kind === 'policy-command' || signal?.kind === 'policy-announcement' || isPolicyTopic(raw)) {
      const policyId = signal && 'policyId' in signal ? signal.policyId : entityOfRaw(raw);
      this.sendEnvelope(
        policyErrorEnvelope({ ...(policyId ? { policyId } : {}), error: json, headers }),
        'error',
      );
      return;
    }
    const thingId = signal && 'thingId' in signal ? signal.thingId : entityOfRaw(raw);
    const channel = signal && 'channel' in signal ? signal.channel : undefined;
    this.sendEnvelope(
      thingErrorEnvelope({
        ...(thingId ? { thingId } : {}),
        ...(channel ? { channel } : {}),
        error: json,
        headers,
      }),
      'error',
    );
  }

  /**
   * Sends a thing event delivery (from the fanout) in Ditto Protocol form. Subscribers with the
   * same view share one delivery object, so its frame is encoded once (as bytes) for all of them.
   */
  deliverEvent(d: EventDelivery): void {
    let frame: Frame;
    if (d.extra === undefined) {
      let cached = d.memo.get('ws') as Frame | undefined;
      if (cached === undefined) {
        cached = Buffer.from(JSON.stringify(envelopeJson(eventEnvelope(d))));
        d.memo.set('ws', cached);
      }
      frame = cached;
    } else frame = JSON.stringify(envelopeJson(eventEnvelope(d)));
    this.send(frame, 'event');
  }

  #onControl(frame: ControlFrame): void {
    if (frame.kind === 'jwt') {
      void this.#ctx.refreshToken(this, frame.token);
      return;
    }
    if (frame.kind === 'stop') {
      this.#streams.get(frame.stream)?.();
      this.#streams.delete(frame.stream);
      this.send(controlAck('stop', frame.stream), 'control');
      return;
    }
    let selector: StreamSelector;
    try {
      selector = compileSelector(
        {
          ...(frame.params.namespaces ? { namespaces: frame.params.namespaces } : {}),
          ...(frame.params.filter !== undefined ? { filter: frame.params.filter } : {}),
          ...(frame.params.extraFields !== undefined ? { extraFields: frame.params.extraFields } : {}),
        },
        this.#ctx.clock,
      );
    } catch (e) {
      this.#reject('malformed');
      this.#sendError(
        undefined,
        toDitto(e),
        frame.params.correlationId ? { 'correlation-id': frame.params.correlationId } : {},
      );
      return;
    }
    this.#streams.get(frame.stream)?.();
    this.#streams.set(frame.stream, this.#subscribe(frame.stream, selector));
    this.send(controlAck('start', frame.stream), 'control');
  }

  #subscribe(stream: StreamKind, selector: StreamSelector): () => void {
    if (stream === 'EVENTS') {
      const sink: EventSink = {
        id: this.id,
        selector,
        subjects: () => this.#auth.subjects,
        deliver: (d) => this.deliverEvent(d),
        withheld: (event, headers) => this.#ctx.acks.withheld(this, event, headers),
      };
      return this.#ctx.fanout.add(sink);
    }
    if (stream === 'POLICY_ANNOUNCEMENTS')
      return this.#ctx.announcer.add({
        id: this.id,
        selector,
        subjects: () => this.#auth.subjects,
        deliver: (envelope) => this.sendEnvelope(envelope, 'announcement'),
      });
    return this.#ctx.live.subscribe(this, stream, selector);
  }
}

function eventEnvelope(d: EventDelivery): DittoEnvelope {
  return thingEventEnvelope(
    d.event,
    d.partial || d.extra !== undefined
      ? {
          headers: d.headers,
          ...(d.value !== undefined ? { value: d.value } : {}),
          ...(d.extra !== undefined ? { extra: d.extra } : {}),
        }
      : { headers: d.headers },
  );
}

function responseRequired(e: DittoEnvelope): boolean {
  return booleanHeader(e.headers, 'response-required') !== false;
}

function toDitto(e: unknown): DittoError {
  if (e instanceof DittoError) return e;
  return new DittoError('gateway:internalerror', 'An unexpected error occurred while handling the message.');
}

function rawCorrelationId(json: JsonValue): string | undefined {
  if (!isJsonObject(json) || !isJsonObject(json.headers)) return undefined;
  const v = correlationIdOf(json.headers);
  return v !== undefined && v.length <= 256 ? v : undefined;
}

function isPolicyTopic(raw: JsonValue | undefined): boolean {
  return isJsonObject(raw) && typeof raw.topic === 'string' && raw.topic.split('/')[2] === 'policies';
}

/** `ns:name` from the topic of a message that could not be parsed as a whole (if it looks valid). */
function entityOfRaw(raw: JsonValue | undefined): string | undefined {
  if (!isJsonObject(raw) || typeof raw.topic !== 'string') return undefined;
  const [ns, name] = raw.topic.split('/');
  if (ns === undefined || name === undefined || ns === '_' || name === '' || name === '_') return undefined;
  return `${ns}:${name}`;
}
