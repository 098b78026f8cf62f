/**
 * @module The compiled permission tree: one trie per resource type, keyed by path segment,
 * holding per permission the subjects that grant or revoke it at that node, plus what is
 * granted or revoked anywhere below (so queries never walk a subtree).
 */

import { entryAppliesToNamespace } from './namespaces.js';
import { parseResourceKey } from './path.js';
import { parseInstant } from './time.js';
import { RESOURCE_TYPES, type PolicyJson, type ResourceType } from './types.js';

/** permission name -> subject ids */
export type SubjectsByPermission = Map<string, Set<string>>;

export interface TreeNode {
  readonly children: Map<string, TreeNode>;
  readonly grants: SubjectsByPermission;
  readonly revokes: SubjectsByPermission;
  /** Subjects granting the permission on some node strictly below this one. */
  readonly grantsBelow: SubjectsByPermission;
  /** Subjects revoking the permission on some node strictly below this one. */
  readonly revokesBelow: SubjectsByPermission;
}

export interface CompileOptions {
  /**
   * Namespace of the entity being enforced. Entries whose `namespaces` patterns do not match
   * are left out. When absent no entry is left out, which is what Ditto does for policy
   * commands (only thing enforcement is namespace-filtered there).
   */
  readonly namespace?: string;
  /** Subjects whose expiry is at or before this instant are left out. Defaults to the current time. */
  readonly now?: Date;
}

export interface CompiledTrees {
  readonly roots: ReadonlyMap<ResourceType, TreeNode>;
  /** Earliest expiry still in the future: the compiled result is stale from then on. */
  readonly validUntil: Date | undefined;
}

function newNode(): TreeNode {
  return {
    children: new Map(),
    grants: new Map(),
    revokes: new Map(),
    grantsBelow: new Map(),
    revokesBelow: new Map(),
  };
}

function addAll(target: SubjectsByPermission, permission: string, subjects: Iterable<string>): void {
  let set = target.get(permission);
  if (set === undefined) target.set(permission, (set = new Set()));
  for (const s of subjects) set.add(s);
}

export function compileTrees(policy: PolicyJson, opts: CompileOptions = {}): CompiledTrees {
  const now = (opts.now ?? new Date()).getTime();
  let validUntil: number | undefined;
  const roots = new Map<ResourceType, TreeNode>(RESOURCE_TYPES.map((t) => [t, newNode()]));

  for (const entry of Object.values(policy.entries)) {
    if (opts.namespace !== undefined && !entryAppliesToNamespace(entry.namespaces, opts.namespace)) continue;
    const subjects: string[] = [];
    for (const [id, subject] of Object.entries(entry.subjects ?? {})) {
      if (subject.expiry !== undefined) {
        // An unparseable expiry fails closed: such a subject never counts.
        const expiry = parseInstant(subject.expiry);
        if (expiry === undefined || expiry <= now) continue;
        if (validUntil === undefined || expiry < validUntil) validUntil = expiry;
      }
      subjects.push(id);
    }
    if (subjects.length === 0) continue;
    for (const [key, permissions] of Object.entries(entry.resources ?? {})) {
      const parsed = parseResourceKey(key);
      if ('error' in parsed) continue;
      const root = roots.get(parsed.type);
      if (root === undefined) continue;
      let node: TreeNode = root;
      for (const segment of parsed.segments) {
        let child: TreeNode | undefined = node.children.get(segment);
        if (child === undefined) node.children.set(segment, (child = newNode()));
        node = child;
      }
      for (const p of permissions.grant) addAll(node.grants, p, subjects);
      for (const p of permissions.revoke) addAll(node.revokes, p, subjects);
    }
  }
  for (const root of roots.values()) fillBelow(root);
  return { roots, validUntil: validUntil === undefined ? undefined : new Date(validUntil) };
}

/**
 * A node's "below" sets are its children's own plus their "below" sets. Iterative (children
 * before parents by walking a pre-order list backwards) so a very deep path cannot overflow
 * the stack.
 */
function fillBelow(root: TreeNode): void {
  const order: TreeNode[] = [root];
  for (let i = 0; i < order.length; i++) order.push(...(order[i] as TreeNode).children.values());
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i] as TreeNode;
    for (const child of node.children.values()) {
      for (const [from, to] of [
        [child.grants, node.grantsBelow],
        [child.grantsBelow, node.grantsBelow],
        [child.revokes, node.revokesBelow],
        [child.revokesBelow, node.revokesBelow],
      ] as const) {
        for (const [permission, subjects] of from) addAll(to, permission, subjects);
      }
    }
  }
}

/** True when one of `subjects` is in `set` (callers hold few subjects, sets may be large). */
export function anyIn(set: ReadonlySet<string> | undefined, subjects: readonly string[]): boolean {
  if (set === undefined || set.size === 0) return false;
  for (const s of subjects) if (set.has(s)) return true;
  return false;
}
