/**
 * @module Request bodies: JSON (and merge-patch JSON) parsed with a nesting-depth limit; any other
 * content type is kept as raw bytes so that routes which need JSON can answer 415 themselves.
 */
import { DittoError, jsonDepthExceeds, unstorableString, type JsonValue } from '@egiz/core';

export const MAX_JSON_DEPTH = 64;

/** Marker for a body that was not JSON. */
export class RawBody {
  constructor(
    readonly contentType: string,
    readonly bytes: Buffer,
  ) {}
}

export function parseJsonBody(text: string): JsonValue {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DittoError(
      'json.invalid',
      `Failed to parse JSON string '${text.length > 80 ? `${text.slice(0, 80)}…` : text}': ${(e as Error).message}`,
    );
  }
  if (jsonDepthExceeds(value, MAX_JSON_DEPTH))
    throw new DittoError('json.invalid', `The JSON is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  if (unstorableString(value) !== undefined)
    throw new DittoError(
      'json.invalid',
      'JSON strings may not contain U+0000 or unpaired UTF-16 surrogates.',
    );
  return value as JsonValue;
}

export function isJsonContentType(ct: string | undefined): boolean {
  return ct !== undefined && /^application\/json\s*(;.*)?$/i.test(ct.trim());
}

export function isMergePatchContentType(ct: string | undefined): boolean {
  return ct !== undefined && /^application\/merge-patch\+json\s*(;.*)?$/i.test(ct.trim());
}
