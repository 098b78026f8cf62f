/**
 * @module compileEnforcer: compile a (resolved) policy once, then answer permission queries in
 * time proportional to the path depth. Holds no global cache; the server caches Enforcers and
 * must drop one when the policy, an imported policy or `validUntil` passes.
 */

import * as checks from './checks.js';
import { pathSegments, type ResourcePath } from './path.js';
import { compileTrees, type CompileOptions, type TreeNode } from './tree.js';
import type { JsonValue, Permission, PolicyJson, ResourceType } from './types.js';
import { viewOf } from './view.js';
import { touchesOnlyWritable, type WriteMode } from './write-check.js';

export type { CompileOptions } from './tree.js';
export type { SubjectsWithPermission } from './checks.js';
export type { WriteMode } from './write-check.js';

/**
 * `subjects` are the caller's authorization subject ids (`nginx:alice`, …) and are pooled:
 * a grant to one and a revoke to another on the same node is a revoke, as in Ditto.
 * `path` is a JSON pointer (`/attributes/a`, `/` for the root) or its segments.
 */
export interface Enforcer {
  /** Earliest future subject expiry: from then on this Enforcer is stale and must be recompiled. */
  readonly validUntil: Date | undefined;
  /** Every perm granted on `path` and not revoked on it or anywhere below it (Ditto hasUnrestrictedPermissions). */
  hasUnrestricted(
    type: ResourceType,
    path: ResourcePath,
    subjects: readonly string[],
    perms: readonly Permission[],
  ): boolean;
  /** Every perm granted on `path` or on some path below it (Ditto hasPartialPermissions); 404-vs-403 and READ entry checks. */
  hasPartial(
    type: ResourceType,
    path: ResourcePath,
    subjects: readonly string[],
    perms: readonly Permission[],
  ): boolean;
  /** The readable part of `value` located at `basePath` (default `/`), or undefined when nothing is readable. */
  view(
    type: ResourceType,
    subjects: readonly string[],
    value: JsonValue,
    basePath?: ResourcePath,
  ): JsonValue | undefined;
  /** Each policy subject classified on its own as unrestricted or partial holder of `perm` on `path`. */
  subjectsWith(type: ResourceType, path: ResourcePath, perm: Permission): checks.SubjectsWithPermission;
  /**
   * Whether writing `value` at `basePath` is allowed: `put` (also use it for deletes) needs
   * unrestricted WRITE on `basePath`; `merge` needs unrestricted WRITE on every leaf the patch
   * touches (see write-check.ts for the exact rule).
   */
  touchesOnlyWritable(
    type: ResourceType,
    basePath: ResourcePath,
    value: JsonValue,
    subjects: readonly string[],
    mode: WriteMode,
  ): boolean;
}

/**
 * Compiles `policy` (after resolveImports, if it has imports or references; `imports` and
 * `references` themselves are not looked at here). Subjects with an expiry at or before
 * `opts.now` and entries not applying to `opts.namespace` are left out.
 */
export function compileEnforcer(policy: PolicyJson, opts: CompileOptions = {}): Enforcer {
  const { roots, validUntil } = compileTrees(policy, opts);
  const rootOf = (type: ResourceType): TreeNode => {
    const root = roots.get(type);
    if (root === undefined) throw new TypeError(`unknown resource type '${String(type)}'`);
    return root;
  };
  return {
    validUntil,
    hasUnrestricted: (type, path, subjects, perms) =>
      checks.hasUnrestricted(rootOf(type), pathSegments(path), subjects, perms),
    hasPartial: (type, path, subjects, perms) =>
      checks.hasPartial(rootOf(type), pathSegments(path), subjects, perms),
    view: (type, subjects, value, basePath = '/') =>
      viewOf(rootOf(type), pathSegments(basePath), subjects, value),
    subjectsWith: (type, path, perm) => checks.subjectsWith(rootOf(type), pathSegments(path), perm),
    touchesOnlyWritable: (type, basePath, value, subjects, mode) =>
      touchesOnlyWritable(rootOf(type), pathSegments(basePath), value, subjects, mode),
  };
}
