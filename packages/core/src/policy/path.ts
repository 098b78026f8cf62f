/** @module Resource paths: JSON-pointer strings to segment arrays, and `type:/path` resource keys. */

import { isResourceType, type ResourceType } from './types.js';

/** A resource path as a JSON pointer (`/attributes/a`) or as already split segments. */
export type ResourcePath = string | readonly string[];

/**
 * Splits a pointer the way Ditto's JsonPointer does: the leading slash is optional and empty
 * segments are dropped (so `/` and `` are the root). Keys are taken literally, without RFC
 * 6901 `~` escapes, exactly as model/json-pointer.ts does: policy paths and thing paths must
 * name keys identically, or a revoke could miss the key it was written for.
 */
export function pathSegments(path: ResourcePath): readonly string[] {
  if (typeof path !== 'string') return path;
  return path.split('/').filter((segment) => segment !== '');
}

/** Renders segments back to a pointer with a leading slash; the root is `/`. */
export function pathString(segments: readonly string[]): string {
  return '/' + segments.join('/');
}

export interface ParsedResourceKey {
  readonly type: ResourceType;
  readonly segments: readonly string[];
}

/**
 * Parses `type:/path`. Returns a reason instead of throwing so the validator can report it.
 * Consecutive slashes are rejected because Ditto's pointer parser rejects them.
 */
export function parseResourceKey(key: string): ParsedResourceKey | { readonly error: string } {
  const colon = key.indexOf(':');
  if (colon < 0) return { error: `resource key '${key}' is not in the format 'type:path'` };
  const type = key.slice(0, colon);
  const path = key.slice(colon + 1);
  if (!isResourceType(type)) {
    return { error: `resource type '${type}' is not one of 'thing', 'policy', 'message'` };
  }
  if (path.includes('//')) return { error: `resource path '${path}' contains consecutive slashes` };
  return { type, segments: pathSegments(path) };
}
