/**
 * @module Which policies a change of other policies reaches through their imports, following the
 * store's import index (`policy_imports`) backwards.
 *
 * The enforcer resolves a policy's imports in rounds (PolicyEnforcers.importsOf, core
 * `importedPolicyIds`): it loads every policy the policy imports and, from an imported policy X, the
 * policies X imports only when the import of X names them in `transitiveImports` — and so on, with
 * the import chain at most MAX_TRANSITIVE_DEPTH + 1 long. So Q depends on a changed P when Q imports
 * P, or Q's import of Y names P's importer X among its transitive imports, where Y's import of X names
 * P, …: the index rows (importer, imported, via) are followed from (P, '') to the policies Y with a row
 * (Y, P, ''), then to those with a row (Z, Y, P), then (W, Z, Y), one lookup per level.
 *
 * The result may hold a few policies whose resolution does not use the change (a cycle the resolution
 * cuts short, an import of X whose entries are not importable); recomputing their reader rows is
 * harmless. It never misses one whose resolution loads a changed policy.
 */
import { MAX_TRANSITIVE_DEPTH } from '@egiz/core';
import type { PolicyImportLink } from '../store/port.js';

/** The index rows with one of the given (imported, via) keys (Store.policyImportLinks). */
export type ImportLinkLookup = (
  keys: readonly Omit<PolicyImportLink, 'importer'>[],
) => Promise<readonly PolicyImportLink[]>;

/** Keys per lookup, so that a policy imported by very many others never makes one huge statement. */
const KEYS_PER_LOOKUP = 1000;

/**
 * Every policy that depends on one of `changed` (id → tag, e.g. the position of its write in a batch),
 * mapped to the largest tag among the changed policies it depends on. A changed policy is listed only
 * when it depends on another changed one (or on itself, through a cycle).
 */
export async function policyDependents(
  changed: ReadonlyMap<string, number>,
  lookup: ImportLinkLookup,
): Promise<Map<string, number>> {
  const dependents = new Map<string, number>();
  // The keys followed so far with the tag they were followed with: a key met again with a larger tag
  // is followed again, so that every dependent carries the largest tag that reaches it.
  const followed = new Map<string, number>();
  const keyOf = (imported: string, via: string) => `${imported}\u0000${via}`;
  let frontier = new Map<string, { imported: string; via: string; tag: number }>();
  for (const [imported, tag] of changed) frontier.set(keyOf(imported, ''), { imported, via: '', tag });
  for (let level = 0; level <= MAX_TRANSITIVE_DEPTH && frontier.size > 0; level++) {
    const next = new Map<string, { imported: string; via: string; tag: number }>();
    const keys = [...frontier.values()];
    for (const key of keys) followed.set(keyOf(key.imported, key.via), key.tag);
    const tags = new Map(keys.map((k) => [keyOf(k.imported, k.via), k.tag]));
    for (let i = 0; i < keys.length; i += KEYS_PER_LOOKUP) {
      const chunk = keys.slice(i, i + KEYS_PER_LOOKUP).map(({ imported, via }) => ({ imported, via }));
      for (const link of await lookup(chunk)) {
        const tag = tags.get(keyOf(link.imported, link.via));
        if (tag === undefined) continue;
        dependents.set(link.importer, Math.max(tag, dependents.get(link.importer) ?? tag));
        // Who imports the importer and names the policy it imports among its transitive imports.
        const key = keyOf(link.importer, link.imported);
        const seen = followed.get(key) ?? next.get(key)?.tag;
        if (seen === undefined || seen < tag)
          next.set(key, { imported: link.importer, via: link.imported, tag });
      }
    }
    frontier = next;
  }
  return dependents;
}
