/**
 * @module Ditto metadata headers: `put-metadata` (with `*\/key` for every written leaf and `*` segments
 * expanding one level), `delete-metadata` and `get-metadata`, all relative to the command's resource.
 */
import {
  DittoError,
  deleteAt,
  getAt,
  isJsonObject,
  leafPointers,
  parsePointer,
  selectFields,
  setAt,
  type JsonObject,
  type JsonValue,
  type Pointer,
} from '@egiz/core';
import type { MetadataEntry } from './command.js';

function toPointer(key: string): Pointer {
  const p = parsePointer(key);
  if (p === undefined || p.length === 0)
    throw new DittoError(
      'things:metadata.notmodifiable',
      `The metadata key '${key}' is not a valid JSON pointer.`,
    );
  return p;
}

/** Expands `*` segments of a relative pointer against a JSON tree, one level per star. */
function expand(tree: JsonValue | undefined, pattern: Pointer, prefix: Pointer = []): Pointer[] {
  const i = pattern.findIndex((s) => s === '*');
  if (i < 0) return [[...prefix, ...pattern]];
  const head = pattern.slice(0, i);
  const node = getAt(tree, head);
  if (!isJsonObject(node)) return [];
  return Object.keys(node).flatMap((k) => expand(node[k], pattern.slice(i + 1), [...prefix, ...head, k]));
}

/** Applies put-metadata entries for a write of `written` at `base`; `thing` is the Thing after the write. */
export function putMetadata(
  metadata: JsonObject,
  entries: readonly MetadataEntry[],
  base: Pointer,
  written: JsonValue | undefined,
  thing: JsonObject,
): JsonObject {
  let out = metadata;
  for (const { key, value } of entries) {
    const rel = toPointer(key);
    if (rel[0] === '*' && rel.length > 1 && written !== undefined) {
      for (const leaf of leafPointers(written)) out = setAt(out, [...base, ...leaf, ...rel.slice(1)], value);
      continue;
    }
    const resourceTree = getAt(thing, base);
    for (const p of expand(resourceTree, rel)) out = setAt(out, [...base, ...p], value);
  }
  return out;
}

export function deleteMetadata(metadata: JsonObject, paths: readonly string[], base: Pointer): JsonObject {
  let out = metadata;
  for (const path of paths) {
    const rel = toPointer(path);
    const sub = getAt(out, base);
    for (const p of expand(sub, rel)) out = deleteAt(out, [...base, ...p]);
  }
  return out;
}

export function readMetadata(
  metadata: JsonObject | undefined,
  paths: readonly string[],
  base: Pointer,
): JsonObject {
  const sub = getAt(metadata, base);
  if (!isJsonObject(sub)) return {};
  const pointers = paths.map((p) => (p.trim() === '*' ? null : toPointer(p.trim())));
  if (pointers.includes(null)) return sub;
  return selectFields(sub, pointers as Pointer[]);
}

/** Drops metadata below a deleted resource. */
export function pruneMetadata(metadata: JsonObject | undefined, base: Pointer): JsonObject | undefined {
  if (!metadata) return undefined;
  return base.length === 0 ? undefined : deleteAt(metadata, base);
}
