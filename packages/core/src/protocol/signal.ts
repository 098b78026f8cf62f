/**
 * @module One entry point from a Ditto Protocol envelope to a typed signal: the topic decides the
 * family (things or policies; commands, events, messages, errors, acks, announcements, search,
 * streaming), a status turns a command topic into its response. Every failure is a DittoError with
 * a `protocoladapter:*`, `things:*`, `policies:*`, `messages:*` or `acknowledgement:*` code.
 */
import type { JsonValue } from '../model/json.js';
import { parseAck, type AckSignal, type AcksSignal } from './ack-signals.js';
import { DittoError } from './ditto-error.js';
import { parseEnvelope, type DittoEnvelope } from './envelope.js';
import { parseMessage, type MessageSignal } from './message-signals.js';
import {
  parsePolicyAnnouncement,
  parsePolicyCommand,
  parsePolicyError,
  parsePolicyResponse,
  type PolicyAnnouncementSignal,
  type PolicyCommandSignal,
  type PolicyErrorSignal,
  type PolicyResponseSignal,
} from './policy-signals.js';
import { parseSearch, parseStreaming, type SearchSignal, type StreamingSignal } from './streaming-signals.js';
import {
  parseThingCommand,
  parseThingError,
  parseThingEvent,
  parseThingResponse,
  type RetrieveThingsSignal,
  type ThingCommandSignal,
  type ThingErrorSignal,
  type ThingEventSignal,
  type ThingResponseSignal,
} from './thing-signals.js';
import { parseTopic } from './topic.js';

export type ProtocolSignal =
  | ThingCommandSignal
  | RetrieveThingsSignal
  | ThingResponseSignal
  | ThingEventSignal
  | ThingErrorSignal
  | MessageSignal
  | AckSignal
  | AcksSignal
  | PolicyCommandSignal
  | PolicyResponseSignal
  | PolicyErrorSignal
  | PolicyAnnouncementSignal
  | SearchSignal
  | StreamingSignal;

export type ProtocolSignalKind = ProtocolSignal['kind'];

/** Maps a validated envelope to its signal. */
export function signalOf(e: DittoEnvelope): ProtocolSignal {
  const t = parseTopic(e.topic);
  if (t.group === 'policies') {
    switch (t.criterion) {
      case 'commands':
        return e.status !== undefined ? parsePolicyResponse(e, t) : parsePolicyCommand(e, t);
      case 'errors':
        return parsePolicyError(e, t);
      case 'announcements':
        return parsePolicyAnnouncement(e, t);
      case 'streaming':
        return parseStreaming(e, t);
      default:
        throw new DittoError(
          'protocoladapter:unknown.topicpath',
          `Policies have no '${t.criterion}' signals (topic '${e.topic}').`,
        );
    }
  }
  switch (t.criterion) {
    case 'commands':
      return e.status !== undefined ? parseThingResponse(e, t) : parseThingCommand(e, t);
    case 'events':
      return parseThingEvent(e, t);
    case 'errors':
      return parseThingError(e, t);
    case 'messages':
      return parseMessage(e, t);
    case 'acks':
      return parseAck(e, t);
    case 'search':
      return parseSearch(e, t);
    case 'streaming':
      return parseStreaming(e, t);
    case 'announcements':
      throw new DittoError(
        'protocoladapter:unknown.topicpath',
        `Things have no announcements (topic '${e.topic}').`,
      );
  }
}

/** Decoded JSON -> envelope -> signal; the envelope is returned too (for echoing headers and path). */
export function parseSignal(json: JsonValue): { envelope: DittoEnvelope; signal: ProtocolSignal } {
  const envelope = parseEnvelope(json);
  return { envelope, signal: signalOf(envelope) };
}
