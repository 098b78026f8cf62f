/**
 * @module Acknowledgements over the Ditto Protocol (protocol-specification-acks): a single ack
 * `{ns}/{name}/things/{channel}/acks/{label}` with a status, and the aggregated form without a label
 * whose value maps each label to `{status, payload?, headers?}`. The combined status is the sole
 * ack's status, else 200 when all are 2xx and 424 otherwise.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../model/json.js';
import { DittoError } from './ditto-error.js';
import type { DittoEnvelope } from './envelope.js';
import { validateAckLabel, type ProtocolHeaders } from './headers.js';
import { thingIdOfTopic } from './thing-signals.js';
import { formatTopic, topicPartsOf, type Topic, type TopicChannel } from './topic.js';

export interface AckSignal {
  readonly kind: 'ack';
  readonly thingId: string;
  readonly channel: TopicChannel;
  readonly label: string;
  readonly status: number;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
}

export interface AcksSignal {
  readonly kind: 'acks';
  readonly thingId: string;
  readonly channel: TopicChannel;
  readonly status: number;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
}

export interface AckResult {
  readonly status: number;
  readonly payload?: JsonValue;
  readonly headers?: JsonObject;
}

export function parseAck(e: DittoEnvelope, t: Topic): AckSignal | AcksSignal {
  if (e.status === undefined)
    throw new DittoError('protocoladapter:unknown.command', "An acknowledgement needs a 'status'.");
  const base = {
    thingId: thingIdOfTopic(t),
    channel: t.channel ?? 'twin',
    status: e.status,
    ...(e.value !== undefined ? { value: e.value } : {}),
    headers: e.headers,
  };
  if (t.action === undefined) return { kind: 'acks', ...base };
  return { kind: 'ack', label: validateAckLabel(t.action), ...base };
}

/** The combined status of aggregated acknowledgements. */
export function combinedAckStatus(results: readonly AckResult[]): number {
  if (results.length === 1) return (results[0] as AckResult).status;
  return results.every((r) => r.status >= 200 && r.status < 300) ? 200 : 424;
}

function ackTopic(thingId: string, channel: TopicChannel, label?: string): string {
  const { namespace, name } = topicPartsOf(thingId);
  return formatTopic({
    namespace,
    name,
    group: 'things',
    channel,
    criterion: 'acks',
    ...(label !== undefined ? { action: label } : {}),
  });
}

export function ackEnvelope(a: {
  readonly thingId: string;
  readonly channel?: TopicChannel;
  readonly label: string;
  readonly status: number;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
}): DittoEnvelope {
  return {
    topic: ackTopic(a.thingId, a.channel ?? 'twin', a.label),
    headers: a.headers,
    path: '/',
    ...(a.value !== undefined ? { value: a.value } : {}),
    status: a.status,
  };
}

/** The value of aggregated acks: `{label: {status, payload?, headers?}}`. */
export function acksValue(results: ReadonlyMap<string, AckResult>): JsonObject {
  const out: JsonObject = {};
  for (const [label, r] of results) {
    const entry: JsonObject = { status: r.status };
    if (r.payload !== undefined) entry.payload = r.payload;
    if (r.headers !== undefined) entry.headers = r.headers;
    out[label] = entry;
  }
  return out;
}

export function acksEnvelope(a: {
  readonly thingId: string;
  readonly channel?: TopicChannel;
  readonly results: ReadonlyMap<string, AckResult>;
  readonly headers: ProtocolHeaders;
}): DittoEnvelope {
  return {
    topic: ackTopic(a.thingId, a.channel ?? 'twin'),
    headers: a.headers,
    path: '/',
    value: acksValue(a.results),
    status: combinedAckStatus([...a.results.values()]),
  };
}

/** Reads aggregated acks back into results (clients and tests). */
export function ackResultsOf(value: JsonValue | undefined): Map<string, AckResult> {
  const out = new Map<string, AckResult>();
  if (!isJsonObject(value)) return out;
  for (const [label, v] of Object.entries(value)) {
    if (!isJsonObject(v) || typeof v.status !== 'number') continue;
    out.set(label, {
      status: v.status,
      ...(v.payload !== undefined ? { payload: v.payload } : {}),
      ...(isJsonObject(v.headers) ? { headers: v.headers } : {}),
    });
  }
  return out;
}
