/**
 * @module The part of a JSON value a set of subjects may READ (Ditto's buildJsonView).
 *
 * Ditto flattens the value into leaves (non-object values and empty objects; arrays are
 * leaves, never entered), keeps a leaf when the deepest READ grant or revoke on its path is
 * a grant (pooled over the caller's subjects, a revoke winning a tie), and rebuilds objects
 * from the kept leaves. So a re-grant below a revoke shows through, an object whose leaves are
 * all cut disappears, and an empty object survives only when it is itself readable.
 * Differences on purpose: nothing readable gives `undefined` (Ditto returns `{}`), and a
 * non-object at `basePath` is judged as a leaf (Ditto passes it through unfiltered).
 */

import { anyIn, type TreeNode } from './tree.js';
import { isJsonObject, type JsonValue } from './types.js';

const READ = 'READ';

function applyMarks(node: TreeNode | undefined, readable: boolean, subjects: readonly string[]): boolean {
  if (node === undefined) return readable;
  if (anyIn(node.revokes.get(READ), subjects)) return false;
  if (anyIn(node.grants.get(READ), subjects)) return true;
  return readable;
}

/**
 * Returns the readable part of `value`, which sits at `segments` in the resource. Unchanged
 * sub-trees are returned by reference, not copied, so treat both input and output as immutable.
 */
export function viewOf(
  root: TreeNode,
  segments: readonly string[],
  subjects: readonly string[],
  value: JsonValue,
): JsonValue | undefined {
  if (subjects.length === 0) return undefined;
  let node: TreeNode | undefined = root;
  let readable = applyMarks(root, false, subjects);
  for (const segment of segments) {
    node = node?.children.get(segment);
    readable = applyMarks(node, readable, subjects);
  }
  return filter(node, readable, subjects, value);
}

function filter(
  node: TreeNode | undefined,
  readable: boolean,
  subjects: readonly string[],
  value: JsonValue,
): JsonValue | undefined {
  if (!isJsonObject(value) || Object.keys(value).length === 0 || !marksBelow(node, subjects)) {
    return readable ? value : undefined;
  }
  const kept: [string, JsonValue][] = [];
  for (const [key, child] of Object.entries(value)) {
    const childNode = node?.children.get(key);
    const result = filter(childNode, applyMarks(childNode, readable, subjects), subjects, child);
    if (result !== undefined) kept.push([key, result]);
  }
  // fromEntries defines own properties, so a key named __proto__ stays data, not a prototype.
  return kept.length === 0 ? undefined : Object.fromEntries<JsonValue>(kept);
}

/** Whether anything below can change readability; if not, the whole sub-tree shares one verdict. */
function marksBelow(node: TreeNode | undefined, subjects: readonly string[]): boolean {
  if (node === undefined) return false;
  return anyIn(node.grantsBelow.get(READ), subjects) || anyIn(node.revokesBelow.get(READ), subjects);
}
