/**
 * @module Acknowledgements on the WebSocket: the requested acks of twin commands (answered with the
 * aggregated `things/twin/acks` envelope when more than the default is requested), acks sent by the
 * session for labels it declared with `?declared-acks=`, and weak acks for events it does not get.
 */
import {
  DittoError,
  acksEnvelope,
  correlationIdOf,
  headerValue,
  parseRequestedAcks,
  type AckResult,
  type AckSignal,
  type DittoEnvelope,
  type JsonValue,
  type ThingCommandSignal,
  type ThingEvent,
} from '@egiz/core';
import {
  parseAckRequest,
  twinAckResults,
  type AckCoordinator,
  type AckRequest,
} from '../../egress/ack-coordinator.js';
import type { TwinOutcome } from './twin-commands.js';
import type { WsSession } from './ws-session.js';

/** An ack request with the promise of its custom results. */
export interface PreparedAcks extends AckRequest {
  readonly custom$: Promise<Map<string, AckResult>>;
}

const NO_ACKS = (correlationId: string): AckRequest => ({
  correlationId,
  channel: 'twin',
  requested: [],
  custom: [],
  aggregated: false,
  responseRequired: true,
  timeoutMs: 0,
  eventHeaders: {},
});

export class WsAcks {
  constructor(readonly coordinator: AckCoordinator) {}

  /** Reads the ack headers of a twin command and starts waiting for its custom labels. */
  prepare(signal: ThingCommandSignal, envelope: DittoEnvelope, correlationId: string): PreparedAcks {
    // Queries produce no event: nothing to acknowledge.
    if (signal.action === 'retrieve')
      return { ...NO_ACKS(correlationId), custom$: Promise.resolve(new Map<string, AckResult>()) };
    const req = parseAckRequest((n) => headerValue(envelope.headers, n), {
      correlationId,
      channel: 'twin',
      edge: 'ws',
    });
    return { ...req, custom$: this.coordinator.expect(req) };
  }

  async run(req: AckRequest, command: () => Promise<TwinOutcome>): Promise<TwinOutcome> {
    try {
      return await command();
    } catch (e) {
      this.coordinator.cancel(req.correlationId);
      throw e;
    }
  }

  async respond(
    session: WsSession,
    req: PreparedAcks,
    outcome: TwinOutcome,
    signal: ThingCommandSignal,
  ): Promise<void> {
    const custom = await req.custom$;
    if (!req.responseRequired) return;
    session.sendEnvelope(
      acksEnvelope({
        thingId: signal.thingId,
        results: twinAckResults(req, outcome, custom),
        headers: { 'correlation-id': req.correlationId },
      }),
      'ack',
    );
  }

  /** An acknowledgement the session issues; it must have declared the label. */
  fromSession(session: WsSession, ack: AckSignal): void {
    if (!session.declaredAcks.has(ack.label))
      throw new DittoError(
        'acknowledgement:label.not.declared',
        `The acknowledgement label '${ack.label}' was not declared by this session (?declared-acks=).`,
      );
    const correlationId = correlationIdOf(ack.headers);
    if (correlationId === undefined)
      throw new DittoError(
        'protocoladapter:unknown.command',
        'An acknowledgement needs the correlation-id of the signal it acknowledges.',
      );
    this.coordinator.receive(correlationId, ack.label, {
      status: ack.status,
      ...(ack.value !== undefined ? { payload: ack.value } : {}),
      headers: { ...ack.headers },
    });
  }

  /** The session will not see an event: weak acks for the requested labels it declared. */
  withheld(session: WsSession, _event: ThingEvent, headers: Readonly<Record<string, JsonValue>>): void {
    const requested = headers['requested-acks'];
    if (requested === undefined || session.declaredAcks.size === 0) return;
    let labels: string[] = [];
    try {
      labels = parseRequestedAcks(requested) ?? [];
    } catch {
      return;
    }
    const cid = headers['correlation-id'];
    this.coordinator.weak(session.id, typeof cid === 'string' ? cid : undefined, labels);
  }
}
