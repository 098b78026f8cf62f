/**
 * @module A structural diff of two JSON values as a list of changes at Ditto pointers
 * (`/attributes/location/floor`), plus a readable one-line-per-change rendering.
 */
import { isJsonObject, jsonEqual, type JsonValue } from '@egiz/core';

export type JsonChange =
  | { readonly op: 'add'; readonly path: string; readonly value: JsonValue }
  | { readonly op: 'remove'; readonly path: string; readonly oldValue: JsonValue }
  | {
      readonly op: 'replace';
      readonly path: string;
      readonly oldValue: JsonValue;
      readonly value: JsonValue;
    };

function join(path: string, key: string | number): string {
  return `${path}/${key}`;
}

export function diffJson(a: JsonValue | undefined, b: JsonValue | undefined, path = ''): JsonChange[] {
  if (a === undefined && b === undefined) return [];
  const at = path === '' ? '/' : path;
  if (a === undefined) return [{ op: 'add', path: at, value: b as JsonValue }];
  if (b === undefined) return [{ op: 'remove', path: at, oldValue: a }];
  if (jsonEqual(a, b)) return [];
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => diffJson(a[k], b[k], join(path, k)));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: JsonChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...diffJson(a[i], b[i], join(path, i)));
    return out;
  }
  return [{ op: 'replace', path: at, oldValue: a, value: b }];
}

export interface DiffStyle {
  readonly color: boolean;
}

const PAINT = { add: '\x1b[32m', remove: '\x1b[31m', replace: '\x1b[33m', reset: '\x1b[0m' } as const;

/** `+ /path: value`, `- /path: old`, `~ /path: old -> new`; an empty diff says so. */
export function renderDiff(changes: readonly JsonChange[], style: DiffStyle): string {
  if (changes.length === 0) return '(no differences)';
  const s = (v: JsonValue) => JSON.stringify(v);
  return changes
    .map((c) => {
      const line =
        c.op === 'add'
          ? `+ ${c.path}: ${s(c.value)}`
          : c.op === 'remove'
            ? `- ${c.path}: ${s(c.oldValue)}`
            : `~ ${c.path}: ${s(c.oldValue)} -> ${s(c.value)}`;
      return style.color ? PAINT[c.op] + line + PAINT.reset : line;
    })
    .join('\n');
}
