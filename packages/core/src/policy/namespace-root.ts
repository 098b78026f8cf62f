/**
 * @module Namespace root policies (Ditto 3.9): operator-configured policies whose `implicit`
 * entries are merged into every policy of matching namespaces at enforcer-build time.
 */

import { NS_IMPORTED_LABEL_PREFIX } from './syntax.js';
import type { PolicyEntryJson, PolicyJson } from './types.js';

/** The label a namespace root policy's entry gets in the policies it is merged into. */
export function nsImportedLabel(rootPolicyId: string, label: string): string {
  return `${NS_IMPORTED_LABEL_PREFIX}-${rootPolicyId}-${label}`;
}

/**
 * Adds the entries of `root` that are importable `implicit` (or have no `importable`) as
 * `nsimported-<rootPolicyId>-<label>`. `root` should already have its own imports resolved.
 * A root policy is never merged into itself. Matching namespaces to root policies is
 * configuration and stays with the caller.
 */
export function mergeNamespaceRootPolicy(
  policy: PolicyJson,
  rootPolicyId: string,
  root: PolicyJson,
): PolicyJson {
  if (policy.policyId === rootPolicyId) return policy;
  const entries = new Map(Object.entries(policy.entries));
  for (const [label, entry] of Object.entries(root.entries)) {
    const merged = namespaceRootEntry(entry);
    if (merged !== undefined) entries.set(nsImportedLabel(rootPolicyId, label), merged);
  }
  return { ...policy, entries: Object.fromEntries(entries) };
}

/** The form an entry of a root policy takes in the policies it is merged into; undefined when it is not merged. */
export function namespaceRootEntry(entry: PolicyEntryJson): PolicyEntryJson | undefined {
  if ((entry.importable ?? 'implicit') !== 'implicit') return undefined;
  const { references: _dropped, ...rest } = entry;
  return rest;
}
