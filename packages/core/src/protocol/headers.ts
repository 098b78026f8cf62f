/**
 * @module Ditto Protocol headers: names are case-insensitive and case-preserving; values are JSON
 * (strings mostly, `requested-acks` an array, `response-required` a boolean). Helpers to read them
 * the way commands need them (as the strings HTTP would carry), to validate acknowledgement labels
 * and to drop the headers Ditto reserves for itself before forwarding.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../model/json.js';
import { DittoError } from './ditto-error.js';

export type ProtocolHeaders = Readonly<Record<string, JsonValue>>;

/** The built-in acknowledgement labels Egiz issues itself. */
export const BUILT_IN_ACK_LABELS = ['twin-persisted', 'live-response', 'search-persisted'] as const;
export type BuiltInAckLabel = (typeof BUILT_IN_ACK_LABELS)[number];

const ACK_LABEL = /^[a-zA-Z0-9\-_:]{3,100}$/;
/** Headers a client may not set; they are removed before a signal is forwarded (protocol-specification). */
const RESERVED = /^(channel|ditto-.*|raw-request-url|read-subjects|subject|timeout-access)$/i;

export function isBuiltInAckLabel(label: string): label is BuiltInAckLabel {
  return (BUILT_IN_ACK_LABELS as readonly string[]).includes(label);
}

/** The value of a header, whatever the case of its name. */
export function headerValue(headers: ProtocolHeaders, name: string): JsonValue | undefined {
  const exact = headers[name];
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) return headers[key];
  return undefined;
}

/** A header as the text HTTP would carry: arrays comma-joined, booleans and numbers printed. */
export function headerText(headers: ProtocolHeaders, name: string): string | undefined {
  const v = headerValue(headers, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && name.toLowerCase() !== 'put-metadata')
    return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(',');
  return JSON.stringify(v);
}

export function correlationIdOf(headers: ProtocolHeaders): string | undefined {
  const v = headerValue(headers, 'correlation-id');
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Lower-cases every header name (the first spelling wins when two differ only in case). */
export function lowerCaseHeaders(headers: ProtocolHeaders): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(headers)) {
    const lower = k.toLowerCase();
    if (!(lower in out)) out[lower] = v;
  }
  return out;
}

/** Headers as a client may forward them to other parties: reserved ones removed, case kept. */
export function forwardableHeaders(headers: ProtocolHeaders): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(headers)) if (!RESERVED.test(k)) out[k] = v;
  return out;
}

export function validateAckLabel(label: string): string {
  if (!ACK_LABEL.test(label))
    throw new DittoError(
      'acknowledgement:label.invalid',
      `The acknowledgement label '${label}' is not valid: it must match [a-zA-Z0-9-_:]{3,100}.`,
    );
  return label;
}

/**
 * `requested-acks` as given: a JSON array of labels, or a comma-separated string (HTTP), or a JSON
 * array in a string. Undefined when absent; an empty list when explicitly empty.
 */
export function parseRequestedAcks(value: JsonValue | undefined): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  let list: JsonValue = value;
  if (typeof value === 'string') {
    const t = value.trim();
    if (t.startsWith('[')) {
      try {
        list = JSON.parse(t) as JsonValue;
      } catch {
        throw new DittoError(
          'acknowledgement:label.invalid',
          `The requested-acks '${value}' are not valid JSON.`,
        );
      }
    } else
      list = t
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
  }
  if (!Array.isArray(list) || !list.every((l): l is string => typeof l === 'string'))
    throw new DittoError(
      'acknowledgement:label.invalid',
      'requested-acks must be a list of acknowledgement labels.',
    );
  return [...new Set(list.map(validateAckLabel))];
}

/** A boolean header given as a JSON boolean or the strings true/false. */
export function booleanHeader(headers: ProtocolHeaders, name: string): boolean | undefined {
  const v = headerValue(headers, name);
  if (v === undefined || v === null) return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new DittoError('gateway:header.invalid', `The value of the header '${name}' is not a boolean.`);
}

/** Ditto durations: `10s`, `500ms`, `1m`, bare seconds. Milliseconds; throws on malformed values. */
export function parseDuration(raw: string, maxMs = 60_000): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!m) throw new DittoError('gateway:timeout.invalid', `The timeout '${raw}' is not valid.`);
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  if (ms > maxMs)
    throw new DittoError('gateway:timeout.invalid', `The timeout '${raw}' is larger than ${maxMs / 1000}s.`);
  return ms;
}

/** A copy of headers with some set (lower-case names replace any spelling of the same name). */
export function withHeaders(
  headers: ProtocolHeaders,
  set: Readonly<Record<string, JsonValue | undefined>>,
): JsonObject {
  const out: JsonObject = {};
  const replaced = new Set(Object.keys(set).map((k) => k.toLowerCase()));
  for (const [k, v] of Object.entries(headers)) if (!replaced.has(k.toLowerCase())) out[k] = v;
  for (const [k, v] of Object.entries(set)) if (v !== undefined) out[k] = v;
  return out;
}

export function isProtocolHeaders(value: unknown): value is ProtocolHeaders {
  return isJsonObject(value);
}
