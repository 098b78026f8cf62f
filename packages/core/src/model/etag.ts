/**
 * @module Entity tags as Ditto forms them: `"rev:<revision>"` for top-level entities and
 * `"hash:<hash>"` for sub-resources, plus RFC 7232 matching of If-Match / If-None-Match lists.
 */
import type { JsonValue } from './json.js';

export function revisionEtag(revision: number): string {
  return `"rev:${revision}"`;
}

/** FNV-1a (32 bit, twice with different seeds) over the JSON text: stable across processes. */
export function hashEtag(value: JsonValue): string {
  const text = JSON.stringify(value);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return `"hash:${(h1 >>> 0).toString(16).padStart(8, '0')}${(h2 >>> 0).toString(16).padStart(8, '0')}"`;
}

/** Parses an If-Match / If-None-Match header value: "*" or a list of entity tags. */
export function parseEtagList(header: string): '*' | string[] {
  const trimmed = header.trim();
  if (trimmed === '*') return '*';
  return trimmed
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map((t) => (t.startsWith('W/') ? t.slice(2) : t));
}

/** Whether the current tag (undefined = resource absent) matches an If-Match / If-None-Match list. */
export function etagMatches(list: '*' | readonly string[], current: string | undefined): boolean {
  if (current === undefined) return false;
  if (list === '*') return true;
  return list.includes(current);
}
