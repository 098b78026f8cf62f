/**
 * @module JSON pointers as Ditto uses them: slash-separated keys, no RFC 6901 escaping
 * (Ditto keys may not contain '/'), leading slash optional, "/" and "" mean the root.
 */
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

export type Pointer = readonly string[];

/** Parses "/a/b" or "a/b" into ["a","b"]; returns undefined for empty segments ("a//b", trailing "/"). */
export function parsePointer(text: string): Pointer | undefined {
  if (text === '' || text === '/') return [];
  const body = text.startsWith('/') ? text.slice(1) : text;
  const segments = body.split('/');
  if (segments.some((s) => s === '')) return undefined;
  return segments;
}

export function formatPointer(pointer: Pointer): string {
  return pointer.length === 0 ? '/' : '/' + pointer.join('/');
}

export function getAt(root: JsonValue | undefined, pointer: Pointer): JsonValue | undefined {
  let cur: JsonValue | undefined = root;
  for (const seg of pointer) {
    if (!isJsonObject(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

/**
 * Returns a copy of root with value set at pointer, creating (or replacing non-object) intermediate
 * objects. Only the objects on the path are copied; siblings are shared (structural sharing).
 */
export function setAt(root: JsonObject, pointer: Pointer, value: JsonValue): JsonObject {
  if (pointer.length === 0) {
    if (!isJsonObject(value)) throw new TypeError('root must be an object');
    return value;
  }
  const [head, ...rest] = pointer as [string, ...string[]];
  const child = root[head];
  const next = rest.length === 0 ? value : setAt(isJsonObject(child) ? child : {}, rest, value);
  return { ...root, [head]: next };
}

/** Returns a copy of root without the value at pointer (root itself if nothing was there). */
export function deleteAt(root: JsonObject, pointer: Pointer): JsonObject {
  if (pointer.length === 0) return {};
  const [head, ...rest] = pointer as [string, ...string[]];
  if (!Object.hasOwn(root, head)) return root;
  if (rest.length === 0) {
    const copy = { ...root };
    delete copy[head];
    return copy;
  }
  const child = root[head];
  if (!isJsonObject(child)) return root;
  const updated = deleteAt(child, rest);
  return updated === child ? root : { ...root, [head]: updated };
}

/** Wraps value so that it sits at pointer inside an otherwise empty object tree. */
export function wrapAt(pointer: Pointer, value: JsonValue): JsonValue {
  let out = value;
  for (let i = pointer.length - 1; i >= 0; i--) out = { [pointer[i] as string]: out };
  return out;
}

/** Every leaf pointer below value (objects are descended; arrays and scalars are leaves). */
export function leafPointers(value: JsonValue, base: Pointer = []): Pointer[] {
  if (!isJsonObject(value) || Object.keys(value).length === 0) return [base];
  const out: Pointer[] = [];
  for (const k of Object.keys(value)) out.push(...leafPointers(value[k] as JsonValue, [...base, k]));
  return out;
}
