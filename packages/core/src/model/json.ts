/** @module JSON value types and the small structural helpers every layer needs (pure, no I/O). */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of two JSON values; key order does not matter. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !jsonEqual(a[k], b[k])) return false;
  }
  return true;
}

/** Deep copy of a JSON value (faster than structuredClone for plain JSON). */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => cloneJson(v)) as T;
  const out: JsonObject = {};
  for (const k of Object.keys(value)) out[k] = cloneJson(value[k] as JsonValue);
  return out as T;
}

/** Depth of nesting of a JSON value (a scalar has depth 0). */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  const walk = (v: unknown, depth: number): boolean => {
    if (v === null || typeof v !== 'object') return false;
    if (depth >= max) return true;
    if (Array.isArray(v)) return v.some((x) => walk(x, depth + 1));
    for (const k in v) if (walk((v as Record<string, unknown>)[k], depth + 1)) return true;
    return false;
  };
  return walk(value, 0);
}

/**
 * Serialized JSON of an object, remembered per object identity. The model never mutates a Thing or
 * its parts in place (updates copy the path they change), so the text of an object stays valid for
 * its life: a write's size check, its store row and later GETs of the same state share one
 * `JSON.stringify`.
 */
const jsonTexts = new WeakMap<object, string>();

export function jsonText(value: JsonObject | readonly JsonValue[]): string {
  let text = jsonTexts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    jsonTexts.set(value, text);
  }
  return text;
}

/**
 * Whether a string's UTF-8 encoding exceeds `max` bytes; skips the count when even 3 bytes per
 * UTF-16 unit (the worst case: a surrogate pair is 2 units for 4 bytes) would fit.
 */
export function utf8LengthExceeds(s: string, max: number): boolean {
  if (s.length * 3 <= max) return false;
  if (s.length > max) return true;
  return utf8Length(s) > max;
}

/** UTF-8 byte length of a string without a TextEncoder allocation per call. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first string (key or value) that no store can keep faithfully: U+0000 or an unpaired UTF-16
 * surrogate (PostgreSQL's jsonb refuses both). Undefined when the value is clean.
 */
export function unstorableString(value: unknown): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? value : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const v of value) {
      const bad = unstorableString(v);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  for (const k in value) {
    if (UNSTORABLE.test(k)) return k;
    const bad = unstorableString((value as Record<string, unknown>)[k]);
    if (bad !== undefined) return bad;
  }
  return undefined;
}
