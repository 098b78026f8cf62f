/**
 * @module Permission checks on a compiled tree (Ditto's tree-based enforcer semantics).
 *
 * Every grant or revoke weighs as much as the depth of the node it sits on. For a path P and
 * one permission, with the caller's subjects pooled:
 * - unrestricted: the deepest grant at or above P is deeper than the deepest revoke at or
 *   above P (a revoke wins a tie), and nothing is revoked strictly below P;
 * - partial: the same test, but grants strictly below P count as well. A grant below P is
 *   always deeper than any revoke at or above P, so one such grant suffices, even when a
 *   revoke further down cancels it again (Ditto's CheckPartialPermissionsVisitor ignores
 *   revokes below P).
 * Several permissions must each pass on their own. No permissions or no subjects: false.
 */

import { anyIn, type TreeNode } from './tree.js';

interface PathWeights {
  /** Depth of the deepest grant at or above the path, -1 when none. */
  readonly grant: number;
  /** Depth of the deepest revoke at or above the path, -1 when none. */
  readonly revoke: number;
  /** The node at the path itself, when the tree reaches that deep. */
  readonly end: TreeNode | undefined;
}

function weigh(
  root: TreeNode,
  segments: readonly string[],
  subjects: readonly string[],
  perm: string,
): PathWeights {
  let grant = -1;
  let revoke = -1;
  let node = root;
  let depth = 0;
  for (;;) {
    if (anyIn(node.grants.get(perm), subjects)) grant = depth;
    if (anyIn(node.revokes.get(perm), subjects)) revoke = depth;
    if (depth === segments.length) return { grant, revoke, end: node };
    const next = node.children.get(segments[depth] as string);
    if (next === undefined) return { grant, revoke, end: undefined };
    node = next;
    depth++;
  }
}

export function hasUnrestricted(
  root: TreeNode,
  segments: readonly string[],
  subjects: readonly string[],
  perms: readonly string[],
): boolean {
  if (perms.length === 0 || subjects.length === 0) return false;
  return perms.every((perm) => {
    const w = weigh(root, segments, subjects, perm);
    return w.grant > w.revoke && !anyIn(w.end?.revokesBelow.get(perm), subjects);
  });
}

export function hasPartial(
  root: TreeNode,
  segments: readonly string[],
  subjects: readonly string[],
  perms: readonly string[],
): boolean {
  if (perms.length === 0 || subjects.length === 0) return false;
  return perms.every((perm) => {
    const w = weigh(root, segments, subjects, perm);
    return w.grant > w.revoke || anyIn(w.end?.grantsBelow.get(perm), subjects);
  });
}

export interface SubjectsWithPermission {
  /** Subjects holding the permission on the path and everything below it. */
  readonly unrestricted: ReadonlySet<string>;
  /**
   * Subjects holding it only on part of it: on the path with a revoke somewhere below, or
   * only on some sub-path. Disjoint from `unrestricted` (Ditto's SubjectClassification
   * `partialOnly`); such a receiver gets a view cut down to what it may read.
   */
  readonly partial: ReadonlySet<string>;
}

/** Classifies every subject of the policy on its own, not pooled with others. */
export function subjectsWith(
  root: TreeNode,
  segments: readonly string[],
  perm: string,
): SubjectsWithPermission {
  const grantDepth = new Map<string, number>();
  const revokeDepth = new Map<string, number>();
  let node: TreeNode | undefined = root;
  let end: TreeNode | undefined;
  for (let depth = 0; node !== undefined; depth++) {
    for (const s of node.grants.get(perm) ?? []) grantDepth.set(s, depth);
    for (const s of node.revokes.get(perm) ?? []) revokeDepth.set(s, depth);
    if (depth === segments.length) end = node;
    node = end === undefined ? node.children.get(segments[depth] as string) : undefined;
  }
  const grantsBelow = end?.grantsBelow.get(perm);
  const revokesBelow = end?.revokesBelow.get(perm);
  const unrestricted = new Set<string>();
  const partial = new Set<string>();
  for (const s of new Set([...grantDepth.keys(), ...(grantsBelow ?? [])])) {
    const granted = (grantDepth.get(s) ?? -1) > (revokeDepth.get(s) ?? -1);
    if (granted && !(revokesBelow?.has(s) ?? false)) unrestricted.add(s);
    else if (granted || (grantsBelow?.has(s) ?? false)) partial.add(s);
  }
  return { unrestricted, partial };
}
