/**
 * @module `policy-view=resolved`: loads what the effective Policy is made of (its imports, the
 * namespace root policies of its namespace and their imports), merges it, and cuts every entry to
 * what the caller may READ of it in each policy its content comes from. Each of those policies is
 * judged by the same enforcer a direct read of it faces, so the resolved view never shows more of
 * a policy than GET /api/2/policies/{thatPolicy} would (see core policy/effective-view.ts).
 */
import {
  DittoError,
  PolicyImportError,
  namespaceOf,
  readableEntries,
  sourcePolicyIds,
  traceEffectivePolicy,
  type Enforcer,
  type JsonObject,
  type PolicyJson,
  type TracedEntry,
} from '@egiz/core';
import type { PolicyEnforcers } from './policy-enforcers.js';

/**
 * The stored Policy with its `entries` replaced by the effective entries `subjects` may read in
 * their sources; `imports` and every other field stay as stored. The caller's READ view of the
 * Policy itself is not applied here.
 */
export async function effectivePolicyView(
  enforcers: PolicyEnforcers,
  stored: JsonObject,
  subjects: readonly string[],
): Promise<JsonObject> {
  const policy = stored as unknown as PolicyJson;
  const imports = await enforcers.importsOf(policy);
  const roots = await enforcers.namespaceRoots(namespaceOf(policy.policyId ?? ''));
  let traced: Map<string, TracedEntry>;
  try {
    traced = traceEffectivePolicy(
      policy,
      imports.loaded,
      roots.map((r) => ({ policyId: r.policyId, policy: r.policy, imported: r.imports.loaded })),
    );
  } catch (e) {
    // An imported policy changed since this one was written and made the chain too deep.
    if (e instanceof PolicyImportError) throw new DittoError(e.code, e.message);
    throw e;
  }
  const readers = new Map<string, Enforcer | undefined>();
  for (const id of sourcePolicyIds(traced)) readers.set(id, await enforcers.enforcer(id, undefined));
  return { ...stored, entries: readableEntries(traced, (id) => readers.get(id), subjects) };
}
