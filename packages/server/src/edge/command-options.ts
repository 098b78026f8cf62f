/**
 * @module Ditto headers -> CommandOptions, shared by every edge. HTTP passes a lookup that checks the
 * query string and then the request headers (Ditto accepts these headers as query parameters too);
 * the WebSocket edge passes the envelope's headers.
 */
import {
  DittoError,
  FieldSelectorError,
  RqlSyntaxError,
  isJsonObject,
  parseEtagList,
  parseFieldSelector,
  parseRql,
  type JsonValue,
} from '@egiz/core';
import type { PolicyView } from '../policies/decide.js';
import type { CommandOptions, MetadataEntry } from '../things/command.js';

export type HeaderLookup = (name: string) => string | undefined;

/** Headers Ditto also takes from the query string. */
export const QUERY_HEADERS = [
  'condition',
  'if-match',
  'if-none-match',
  'if-equal',
  'put-metadata',
  'get-metadata',
  'delete-metadata',
  'timeout',
  'response-required',
  'requested-acks',
  'correlation-id',
  'at-historical-revision',
  'at-historical-timestamp',
  'allow-policy-lockout',
  'live-channel-condition',
  'live-channel-timeout-strategy',
  'channel',
  'policy-view',
] as const;

function parseMetadataEntries(raw: string): MetadataEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new DittoError('things:metadata.notmodifiable', "The 'put-metadata' header is not valid JSON.");
  }
  if (
    !Array.isArray(parsed) ||
    !parsed.every((e) => isJsonObject(e) && typeof e.key === 'string' && 'value' in e)
  )
    throw new DittoError(
      'things:metadata.notmodifiable',
      "The 'put-metadata' header must be a JSON array of {key, value} objects.",
    );
  return (parsed as { key: string; value: JsonValue }[]).map((e) => ({ key: e.key, value: e.value }));
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function parseFields(raw: string | undefined): CommandOptions['fields'] {
  if (raw === undefined || raw === '') return undefined;
  try {
    return parseFieldSelector(raw);
  } catch (e) {
    if (e instanceof FieldSelectorError)
      throw new DittoError(
        'json.fieldselector.invalid',
        `The field selector <${raw}> is not valid: ${e.message}.`,
      );
    throw e;
  }
}

export function parseCommandOptions(get: HeaderLookup, fields?: string): CommandOptions {
  const opts: { -readonly [K in keyof CommandOptions]: CommandOptions[K] } = {};
  const ifMatch = get('if-match');
  if (ifMatch !== undefined) opts.ifMatch = parseEtagList(ifMatch);
  const ifNoneMatch = get('if-none-match');
  if (ifNoneMatch !== undefined) opts.ifNoneMatch = parseEtagList(ifNoneMatch);
  const ifEqual = get('if-equal');
  if (ifEqual !== undefined) {
    if (ifEqual !== 'update' && ifEqual !== 'skip' && ifEqual !== 'skip-minimizing-merge')
      throw new DittoError(
        'gateway:header.invalid',
        `The value '${ifEqual}' of the header 'if-equal' is not valid: use update, skip or skip-minimizing-merge.`,
      );
    opts.ifEqual = ifEqual;
  }
  const condition = get('condition');
  if (condition !== undefined) {
    try {
      opts.condition = parseRql(condition);
    } catch (e) {
      if (e instanceof RqlSyntaxError)
        throw new DittoError(
          'things:condition.invalid',
          `The specified condition '${condition}' is not valid: ${e.message}`,
        );
      throw e;
    }
  }
  const f = parseFields(fields);
  if (f) opts.fields = f;
  const put = get('put-metadata');
  if (put !== undefined) opts.putMetadata = parseMetadataEntries(put);
  const getMd = get('get-metadata');
  if (getMd !== undefined) opts.getMetadata = list(getMd);
  const del = get('delete-metadata');
  if (del !== undefined) opts.deleteMetadata = list(del);
  const lockout = parseBooleanHeader('allow-policy-lockout', get('allow-policy-lockout'));
  if (lockout !== undefined) opts.allowPolicyLockout = lockout;
  return opts;
}

/**
 * `policy-view` (Ditto PolicyView.fromString): trimmed and case-insensitive; absent or blank means
 * the default (`original`); anything else is 400 `policies:view.invalid`.
 */
export function parsePolicyView(raw: string | undefined): PolicyView | undefined {
  const value = raw?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (value === 'original' || value === 'resolved') return value;
  throw new DittoError(
    'policies:view.invalid',
    `The 'policy-view' parameter has an invalid value: '${raw ?? ''}'. Valid values: 'original', 'resolved'.`,
  );
}

/** Ditto durations: `10s`, `500ms`, `1m`, or bare seconds. Returns milliseconds. */
export function parseTimeout(raw: string | undefined, maxMs = 60_000): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!m) throw new DittoError('gateway:timeout.invalid', `The timeout '${raw}' is not valid.`);
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  if (ms > maxMs)
    throw new DittoError(
      'gateway:timeout.invalid',
      `The timeout '${raw}' is larger than the allowed ${maxMs / 1000}s.`,
    );
  return ms;
}

export function parseBooleanHeader(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new DittoError(
    'gateway:header.invalid',
    `The value '${raw}' of the header '${name}' is not a boolean.`,
  );
}
