/**
 * @module The effective ("resolved") policy as one caller may see it (Ditto 3.9 `policy-view=resolved`):
 * the own entries with references resolved, the entries of declared imports as
 * `imported-<policyId>-<label>` (transitive ones nested) and the entries of namespace root policies
 * as `nsimported-<rootPolicyId>-<label>`, each cut to what the caller may READ of it.
 *
 * Stricter than Ditto on purpose (CVE-2026-129916: Ditto 3.9.0–3.9.8 showed a merged entry in full
 * once the caller could read any part of it in the policy it was directly imported from). Here an
 * entry keeps only the leaves the caller may READ at `policy:/entries/<label>` in EVERY policy its
 * content comes from: the policy it originates from, each policy of the import chain (under the
 * label it has there), and every entry it takes content from by reference. Each policy is judged
 * by its own enforcer, as the caller would be when reading that policy directly. An entry with
 * nothing readable is left out. The caller's view of the importing policy itself still has to be
 * applied on top (the ordinary READ view of the policy that is being read).
 */

import type { Enforcer } from './enforcer.js';
import { resolveImportsTraced, type ResolveImportsOptions } from './imports.js';
import { namespaceRootEntry, nsImportedLabel } from './namespace-root.js';
import type { TracedEntry } from './references.js';
import type { JsonValue, PolicyJson } from './types.js';

/** A namespace root policy that applies to the policy being resolved, with the policies it imports. */
export interface NamespaceRootInput {
  readonly policyId: string;
  readonly policy: PolicyJson;
  readonly imported: ReadonlyMap<string, PolicyJson>;
}

/**
 * Every entry of the effective policy with its sources. `imported` holds the policies `policy`
 * imports (see importedPolicyIds), `roots` the namespace root policies of its namespace in the
 * configured order; a root policy is never merged into itself. Throws PolicyImportError as
 * resolveImports does.
 */
export function traceEffectivePolicy(
  policy: PolicyJson,
  imported: ReadonlyMap<string, PolicyJson>,
  roots: readonly NamespaceRootInput[] = [],
  opts: ResolveImportsOptions = {},
): Map<string, TracedEntry> {
  const entries = resolveImportsTraced(policy, imported, opts);
  for (const root of roots) {
    if (root.policyId === policy.policyId) continue;
    const rootPolicy: PolicyJson = { ...root.policy, policyId: root.policyId };
    for (const [label, traced] of resolveImportsTraced(rootPolicy, root.imported, opts)) {
      const entry = namespaceRootEntry(traced.entry);
      if (entry !== undefined)
        entries.set(nsImportedLabel(root.policyId, label), { entry, sources: traced.sources });
    }
  }
  return entries;
}

/** The ids of the policies whose enforcers readableEntries() consults. */
export function sourcePolicyIds(entries: ReadonlyMap<string, TracedEntry>): string[] {
  const ids = new Set<string>();
  for (const { sources } of entries.values()) for (const s of sources) ids.add(s.policyId);
  return [...ids];
}

/**
 * The entries as `subjects` may see them: each cut by the READ view of every source, judged by
 * `readerOf(source.policyId)` at `policy:/entries/<source.label>`. A source without an enforcer
 * (a policy that vanished meanwhile) or an entry without sources shows nothing: fail closed.
 */
export function readableEntries(
  entries: ReadonlyMap<string, TracedEntry>,
  readerOf: (policyId: string) => Enforcer | undefined,
  subjects: readonly string[],
): Record<string, JsonValue> {
  const kept: [string, JsonValue][] = [];
  for (const [label, { entry, sources }] of entries) {
    let value: JsonValue | undefined = sources.length === 0 ? undefined : (entry as unknown as JsonValue);
    for (const source of sources) {
      if (value === undefined) break;
      const reader = readerOf(source.policyId);
      value = reader?.view('policy', subjects, value, ['entries', source.label]);
    }
    if (value !== undefined) kept.push([label, value]);
  }
  // fromEntries defines own properties, so a label named __proto__ stays data.
  return Object.fromEntries<JsonValue>(kept);
}
