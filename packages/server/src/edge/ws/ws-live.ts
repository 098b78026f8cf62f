/**
 * @module The live channel on the WebSocket: subscriptions to messages, live commands, live events
 * and policy announcements; messages and live commands a session sends (answered with the first
 * reply, or a 408 error when none comes in time); responses and live events a session (a device)
 * sends back. `live-channel-condition` and `live-channel-timeout-strategy` apply to live commands.
 */
import {
  DittoError,
  RqlSyntaxError,
  acksEnvelope,
  booleanHeader,
  headerValue,
  parseRql,
  headerText,
  messageEnvelope,
  thingErrorEnvelope,
  thingResponseEnvelope,
  type DittoEnvelope,
  type AckResult,
  type DittoErrorJson,
  type JsonObject,
  type MessageSignal,
  type StreamKind,
  type ThingCommandSignal,
  type ThingErrorSignal,
  type ThingEventSignal,
  type ThingResponseSignal,
} from '@egiz/core';
import {
  ackTimeout,
  parseAckRequest,
  type AckCoordinator,
  type AckRequest,
} from '../../egress/ack-coordinator.js';
import type { LiveReply, LiveRouter, LiveStream } from '../../egress/live-router.js';
import type { StreamSelector } from '../../egress/stream-selector.js';
import { parseTimeout } from '../command-options.js';
import { runThingCommand } from './twin-commands.js';
import type { PolicyService } from '../../dispatch/policy-service.js';
import type { ThingService } from '../../dispatch/thing-service.js';
import type { WsSession } from './ws-session.js';

/** Default wait for a reply to a message or live command sent over the WebSocket. */
const DEFAULT_LIVE_TIMEOUT_MS = 60_000;

type LiveSignal =
  MessageSignal | ThingCommandSignal | ThingResponseSignal | ThingErrorSignal | ThingEventSignal;

export class WsLive {
  constructor(
    readonly router: LiveRouter,
    private readonly twin: { readonly things: ThingService; readonly policies: PolicyService },
    private readonly acks: AckCoordinator,
  ) {}

  /**
   * The custom acknowledgements a live signal requests (`requested-acks` beyond `live-response`):
   * awaited from before the signal leaves; undefined when it requests none.
   */
  #customAcks(
    envelope: DittoEnvelope,
    correlationId: string,
    timeoutMs: number,
  ): { req: AckRequest; results: Promise<Map<string, AckResult>> } | undefined {
    if (headerValue(envelope.headers, 'requested-acks') === undefined) return undefined;
    const req = parseAckRequest((n) => headerValue(envelope.headers, n), {
      correlationId,
      channel: 'live',
      edge: 'ws',
      defaultTimeoutMs: timeoutMs,
    });
    if (!req.aggregated) return undefined;
    return { req, results: this.acks.expect(req) };
  }

  /** Sends the aggregated acks of a live signal (`things/live/acks`): 200 when all succeeded, else 424. */
  async #sendAcks(
    session: WsSession,
    thingId: string,
    custom: { req: AckRequest; results: Promise<Map<string, AckResult>> },
    reply: LiveReply | undefined,
    timeoutMs: number,
  ): Promise<void> {
    const got = await custom.results;
    const { req } = custom;
    const results = new Map<string, AckResult>();
    for (const label of req.requested) {
      if (label !== 'live-response') {
        results.set(label, got.get(label) ?? ackTimeout(label, req.timeoutMs, req.correlationId));
        continue;
      }
      results.set(
        label,
        reply
          ? {
              status: reply.status,
              ...(reply.value !== undefined ? { payload: reply.value } : {}),
              headers: { ...replyHeaders(reply), 'correlation-id': req.correlationId },
            }
          : ackTimeout(label, timeoutMs, req.correlationId),
      );
    }
    if (!req.responseRequired) return;
    session.sendEnvelope(
      acksEnvelope({ thingId, channel: 'live', results, headers: { 'correlation-id': req.correlationId } }),
      'ack',
    );
  }

  subscribe(session: WsSession, stream: StreamKind, selector: StreamSelector): () => void {
    return this.router.add({
      id: session.id,
      stream: stream as LiveStream,
      selector,
      subjects: () => session.auth.subjects,
      deliver: (envelope, kind) => session.sendEnvelope(envelope, kind),
    });
  }

  async fromSession(
    session: WsSession,
    signal: LiveSignal,
    envelope: DittoEnvelope,
    correlationId: string,
  ): Promise<void> {
    switch (signal.kind) {
      case 'message':
        if (signal.status !== undefined) {
          this.router.respond(session.id, correlationId, {
            status: signal.status,
            ...(signal.value !== undefined ? { value: signal.value } : {}),
            headers: signal.headers,
          });
          return;
        }
        return this.#message(session, signal, envelope, correlationId);
      case 'thing-command':
        return this.#command(session, signal, envelope, correlationId);
      case 'thing-response':
        this.router.respond(session.id, correlationId, {
          status: signal.status,
          ...(signal.value !== undefined ? { value: signal.value } : {}),
          headers: signal.headers,
        });
        return;
      case 'thing-error':
        this.router.respond(session.id, correlationId, {
          status: signal.status,
          value: signal.error,
          headers: signal.headers,
          error: true,
        });
        return;
      case 'thing-event':
        return this.router.publishEvent(
          {
            thingId: signal.thingId,
            action: signal.action === 'migrated' ? 'modified' : signal.action,
            path: signal.path,
            ...(signal.value !== undefined ? { value: signal.value } : {}),
            headers: signal.headers,
            ...(signal.timestamp !== undefined ? { timestamp: signal.timestamp } : {}),
            ...(signal.revision !== undefined ? { revision: signal.revision } : {}),
          },
          session.auth,
          session.id,
        );
    }
  }

  #timeoutOf(envelope: DittoEnvelope): { timeoutMs: number; wantsReply: boolean } {
    const timeout = parseTimeout(headerText(envelope.headers, 'timeout'));
    const responseRequired = booleanHeader(envelope.headers, 'response-required') !== false;
    const timeoutMs = timeout ?? DEFAULT_LIVE_TIMEOUT_MS;
    return { timeoutMs: responseRequired ? timeoutMs : 0, wantsReply: responseRequired && timeoutMs > 0 };
  }

  async #message(
    session: WsSession,
    m: MessageSignal,
    envelope: DittoEnvelope,
    correlationId: string,
  ): Promise<void> {
    const { timeoutMs, wantsReply } = this.#timeoutOf(envelope);
    const custom = this.#customAcks(envelope, correlationId, timeoutMs);
    let reply: LiveReply | undefined;
    try {
      reply = await this.router.sendMessage({
        address: m,
        ...(m.value !== undefined ? { value: m.value } : {}),
        headers: m.headers,
        correlationId,
        auth: session.auth,
        origin: session.id,
        timeoutMs: custom && !custom.req.requested.includes('live-response') ? 0 : timeoutMs,
        ...(custom
          ? { declinedBy: (owner: string) => this.acks.weak(owner, correlationId, custom.req.custom) }
          : {}),
      });
    } catch (e) {
      this.acks.cancel(correlationId);
      throw e;
    }
    if (custom) return this.#sendAcks(session, m.thingId, custom, reply, timeoutMs);
    if (!wantsReply) return;
    if (!reply) return this.#timedOut(session, m.thingId, correlationId, timeoutMs);
    session.sendEnvelope(
      messageEnvelope({
        address: m,
        ...(reply.value !== undefined ? { value: reply.value } : {}),
        status: reply.status,
        headers: { ...replyHeaders(reply), 'correlation-id': correlationId },
      }),
      'message',
    );
  }

  /**
   * A twin retrieve with `live-channel-condition`: evaluated on the twin as the session sees it;
   * when it holds, the command goes to the device. Undefined without the header.
   */
  async conditional(
    session: WsSession,
    c: ThingCommandSignal,
    envelope: DittoEnvelope,
    correlationId: string,
  ): Promise<'live' | 'twin' | undefined> {
    const condition = headerText(envelope.headers, 'live-channel-condition');
    if (condition === undefined) return undefined;
    if (c.action !== 'retrieve')
      throw new DittoError(
        'gateway:header.invalid',
        'live-channel-condition can only be used when retrieving.',
      );
    let parsed;
    try {
      parsed = parseRql(condition);
    } catch (e) {
      if (e instanceof RqlSyntaxError)
        throw new DittoError(
          'things:condition.invalid',
          `The live-channel-condition '${condition}' is not valid: ${e.message}`,
        );
      throw e;
    }
    try {
      await this.twin.things.execute(
        {
          type: 'retrieve',
          thingId: c.thingId,
          resource: { kind: 'thing', pointer: [] },
          options: { condition: parsed, fields: [['thingId']] },
        },
        session.auth,
      );
    } catch (e) {
      if (e instanceof DittoError && e.code === 'things:condition.failed') return 'twin';
      throw e;
    }
    await this.#command(session, { ...c, channel: 'live' }, envelope, correlationId, {
      'live-channel-condition-matched': 'true',
    });
    return 'live';
  }

  async #command(
    session: WsSession,
    c: ThingCommandSignal,
    envelope: DittoEnvelope,
    correlationId: string,
    extra: JsonObject = {},
  ): Promise<void> {
    if (c.action === 'migrate')
      throw new DittoError(
        'protocoladapter:unknown.command',
        'migrate is not available on the live channel.',
      );
    const { timeoutMs, wantsReply } = this.#timeoutOf(envelope);
    const strategy = headerText(envelope.headers, 'live-channel-timeout-strategy') ?? 'fail';
    if (strategy !== 'fail' && strategy !== 'use-twin')
      throw new DittoError(
        'gateway:header.invalid',
        "live-channel-timeout-strategy is 'fail' or 'use-twin'.",
      );
    const custom = this.#customAcks(envelope, correlationId, timeoutMs);
    let reply: LiveReply | undefined;
    try {
      reply = await this.router.sendCommand({
        thingId: c.thingId,
        action: c.action,
        path: c.path,
        resource: c.resource,
        ...(c.value !== undefined ? { value: c.value } : {}),
        headers: c.headers,
        correlationId,
        auth: session.auth,
        origin: session.id,
        timeoutMs: custom && !custom.req.requested.includes('live-response') ? 0 : timeoutMs,
        ...(custom
          ? { declinedBy: (owner: string) => this.acks.weak(owner, correlationId, custom.req.custom) }
          : {}),
      });
    } catch (e) {
      this.acks.cancel(correlationId);
      throw e;
    }
    if (custom) return this.#sendAcks(session, c.thingId, custom, reply, timeoutMs);
    if (!wantsReply) return;
    if (!reply) {
      if (strategy === 'use-twin' && c.action === 'retrieve') {
        const outcome = await runThingCommand(
          { ...c, channel: 'twin' },
          { ...this.twin, auth: session.auth, origin: session.id, eventHeaders: {} },
        );
        session.sendEnvelope(
          thingResponseEnvelope({
            thingId: c.thingId,
            action: c.action,
            path: c.path,
            status: outcome.status,
            ...(outcome.value !== undefined ? { value: outcome.value } : {}),
            headers: { 'correlation-id': correlationId, ...outcome.headers, ...extra },
          }),
          'response',
        );
        return;
      }
      return this.#timedOut(session, c.thingId, correlationId, timeoutMs);
    }
    if (reply.error) {
      session.sendEnvelope(
        thingErrorEnvelope({
          thingId: c.thingId,
          channel: 'live',
          error: reply.value as unknown as DittoErrorJson,
          headers: { ...replyHeaders(reply), ...extra, 'correlation-id': correlationId },
        }),
        'live',
      );
      return;
    }
    session.sendEnvelope(
      thingResponseEnvelope({
        thingId: c.thingId,
        channel: 'live',
        action: c.action,
        path: c.path,
        status: reply.status,
        ...(reply.value !== undefined ? { value: reply.value } : {}),
        headers: { ...replyHeaders(reply), ...extra, 'correlation-id': correlationId },
      }),
      'live',
    );
  }

  #timedOut(session: WsSession, thingId: string, correlationId: string, timeoutMs: number): void {
    const error = ackTimeout('live-response', timeoutMs, correlationId).payload as unknown as DittoErrorJson;
    session.sendEnvelope(
      thingErrorEnvelope({ thingId, channel: 'live', error, headers: { 'correlation-id': correlationId } }),
      'error',
    );
  }
}

function replyHeaders(reply: LiveReply): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(reply.headers)) if (k.toLowerCase() !== 'correlation-id') out[k] = v;
  return out;
}
