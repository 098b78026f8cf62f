/**
 * @module Ditto field selectors (`fields=` parameter): comma-separated JSON pointers with optional
 * parenthesised groups (`attributes(a,b)`, nestable) and `*` as a wildcard segment
 * (`features/*\/properties/on`). Parsing yields plain pointers; projection copies the selected
 * parts of a JSON object keeping their structure.
 */
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import type { Pointer } from './json-pointer.js';

export const MAX_FIELD_SELECTOR_LENGTH = 4096;

export class FieldSelectorError extends Error {
  override name = 'FieldSelectorError';
}

/** Parses a field selector into pointers; throws FieldSelectorError. */
export function parseFieldSelector(text: string): Pointer[] {
  if (text.length > MAX_FIELD_SELECTOR_LENGTH) throw new FieldSelectorError('field selector is too long');
  let pos = 0;
  const fail = (what: string): never => {
    throw new FieldSelectorError(`${what} at position ${pos} of field selector '${text}'`);
  };
  const parseList = (depth: number): string[] => {
    if (depth > 16) fail('nesting too deep');
    const out: string[] = [];
    for (;;) {
      const start = pos;
      while (pos < text.length && !',()'.includes(text[pos] as string)) pos++;
      const path = text.slice(start, pos).trim().replace(/^\/+/, '');
      if (text[pos] === '(') {
        pos++;
        const inner = parseList(depth + 1);
        if (text[pos] !== ')') fail("expected ')'");
        pos++;
        for (const i of inner) out.push(path === '' ? i : `${path.replace(/\/+$/, '')}/${i}`);
      } else {
        if (path === '') fail('expected a field');
        out.push(path);
      }
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      return out;
    }
  };
  const paths = parseList(0);
  if (pos !== text.length) fail('unexpected character');
  return paths.map((p) => {
    const segs = p.split('/');
    if (segs.some((s) => s === '')) fail(`empty segment in '${p}'`);
    return segs;
  });
}

/** Copies the selected parts of source into a new object (empty object when nothing matches). */
export function selectFields(source: JsonObject, pointers: readonly Pointer[]): JsonObject {
  const out: JsonObject = {};
  for (const p of pointers) copyPath(source, out, p, 0);
  return out;
}

function copyPath(src: JsonObject, dst: JsonObject, p: Pointer, i: number): void {
  const seg = p[i] as string;
  const keys = seg === '*' ? Object.keys(src) : Object.hasOwn(src, seg) ? [seg] : [];
  for (const key of keys) {
    const value = src[key] as JsonValue;
    if (i === p.length - 1) {
      dst[key] = value;
      continue;
    }
    if (!isJsonObject(value)) continue;
    const existing = dst[key];
    const child: JsonObject = isJsonObject(existing) ? existing : {};
    copyPath(value, child, p, i + 1);
    if (Object.keys(child).length > 0 || isJsonObject(existing)) dst[key] = child;
  }
}
