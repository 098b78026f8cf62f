/**
 * @module May a write go through? The rule Ditto's ThingCommandEnforcement applies.
 *
 * - `put` (create/modify/replace) and deletes: unrestricted WRITE on the resource written,
 *   which includes "nothing below it is revoked", because the whole sub-tree is replaced.
 * - `merge` (JSON merge patch): unrestricted WRITE on the patched resource passes at once;
 *   otherwise every leaf the patch touches needs unrestricted WRITE. Leaves are non-object
 *   values, including `null` (a deletion) and arrays (replaced whole). A `{{ /regex/ }}: null`
 *   key deletes all matching siblings, so it needs unrestricted WRITE on its parent object.
 * One stricter choice than Ditto: an empty object in a patch is a leaf, because merging `{}`
 * onto a non-object replaces it; Ditto lets such a key through without any check.
 */

import { hasUnrestricted } from './checks.js';
import type { TreeNode } from './tree.js';
import { isJsonObject, type JsonValue } from './types.js';

export type WriteMode = 'put' | 'merge';

const WRITE = ['WRITE'] as const;

export function touchesOnlyWritable(
  root: TreeNode,
  base: readonly string[],
  value: JsonValue,
  subjects: readonly string[],
  mode: WriteMode,
): boolean {
  if (hasUnrestricted(root, base, subjects, WRITE)) return true;
  if (mode === 'put') return false;
  return mergePatchLeaves(base, value).every((leaf) => hasUnrestricted(root, leaf, subjects, WRITE));
}

/** Paths (as segments, including `base`) that a merge patch at `base` writes or deletes. */
export function mergePatchLeaves(base: readonly string[], patch: JsonValue): (readonly string[])[] {
  const leaves: (readonly string[])[] = [];
  const collect = (path: readonly string[], value: JsonValue): void => {
    if (!isJsonObject(value) || Object.keys(value).length === 0) {
      leaves.push(path);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (child === null && isRegexKey(key)) leaves.push(path);
      else collect([...path, key], child);
    }
  };
  collect(base, patch);
  return leaves;
}

/** Ditto's merge extension: a key `{{ /regex/ }}` with value null deletes matching keys. */
function isRegexKey(key: string): boolean {
  if (!key.startsWith('{{') || !key.endsWith('}}')) return false;
  const inner = key.slice(2, -2).trim();
  return inner.startsWith('/') && inner.endsWith('/');
}
