/**
 * @module The Ditto Protocol envelope (protocol-envelope.json): topic, headers, path, and the
 * optional value, status, fields, extra, revision and timestamp. `parseEnvelope` validates the shape
 * of a decoded JSON message and names the first problem; `envelopeJson` writes one for the wire,
 * leaving absent fields out.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../model/json.js';
import { DittoError } from './ditto-error.js';
import type { ProtocolHeaders } from './headers.js';

export interface DittoEnvelope {
  readonly topic: string;
  readonly headers: ProtocolHeaders;
  readonly path: string;
  readonly value?: JsonValue;
  /** HTTP-like status of responses, errors and acknowledgements. */
  readonly status?: number;
  /** Field selector of retrieve commands. */
  readonly fields?: string;
  /** Enrichment (`extraFields`) of events and messages. */
  readonly extra?: JsonObject;
  readonly revision?: number;
  readonly timestamp?: string;
}

const KNOWN = new Set([
  'topic',
  'headers',
  'path',
  'value',
  'status',
  'fields',
  'extra',
  'revision',
  'timestamp',
]);

function invalid(message: string): DittoError {
  return new DittoError('protocoladapter:envelope.invalid', message);
}

/** Checks a decoded JSON message and returns it as an envelope; unknown fields are ignored. */
export function parseEnvelope(json: JsonValue): DittoEnvelope {
  if (!isJsonObject(json)) throw invalid('A Ditto Protocol message must be a JSON object.');
  const { topic, headers, path, value, status, fields, extra, revision, timestamp } = json;
  if (typeof topic !== 'string' || topic === '')
    throw invalid("The field 'topic' must be a non-empty string.");
  if (headers !== undefined && !isJsonObject(headers))
    throw invalid("The field 'headers' must be a JSON object.");
  if (path !== undefined && typeof path !== 'string') throw invalid("The field 'path' must be a string.");
  if (
    status !== undefined &&
    (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
  )
    throw invalid("The field 'status' must be an HTTP status code.");
  if (fields !== undefined && typeof fields !== 'string')
    throw invalid("The field 'fields' must be a string.");
  if (extra !== undefined && !isJsonObject(extra)) throw invalid("The field 'extra' must be a JSON object.");
  if (revision !== undefined && (typeof revision !== 'number' || !Number.isInteger(revision)))
    throw invalid("The field 'revision' must be an integer.");
  if (timestamp !== undefined && typeof timestamp !== 'string')
    throw invalid("The field 'timestamp' must be an ISO-8601 string.");
  return {
    topic,
    // Ditto requires headers; missing ones are treated as empty rather than refusing the message.
    headers: headers ?? {},
    path: path === undefined || path === '' ? '/' : path,
    ...(value !== undefined ? { value } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(fields !== undefined ? { fields } : {}),
    ...(extra !== undefined ? { extra } : {}),
    ...(revision !== undefined ? { revision } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
  };
}

/** The envelope as a JSON object for the wire (absent fields left out, key order fixed). */
export function envelopeJson(e: DittoEnvelope): JsonObject {
  const out: JsonObject = { topic: e.topic, headers: { ...e.headers }, path: e.path };
  if (e.value !== undefined) out.value = e.value;
  if (e.fields !== undefined) out.fields = e.fields;
  if (e.extra !== undefined) out.extra = e.extra;
  if (e.status !== undefined) out.status = e.status;
  if (e.revision !== undefined) out.revision = e.revision;
  if (e.timestamp !== undefined) out.timestamp = e.timestamp;
  return out;
}

/** Whether a JSON object has only envelope fields (used to tell envelopes from other JSON). */
export function hasOnlyEnvelopeFields(json: JsonObject): boolean {
  return Object.keys(json).every((k) => KNOWN.has(k));
}
