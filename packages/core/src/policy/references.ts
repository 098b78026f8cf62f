/**
 * @module Entry references (Ditto 3.9 `references`): an entry inherits subjects, resources and
 * namespaces from other entries, local or imported, one level deep (PolicyImporter.resolveReferences).
 */

import { IMPORTED_LABEL_PREFIX } from './syntax.js';
import { parseResourceKey, pathString } from './path.js';
import type { AllowedAddition, PolicyEntryJson, ResourcePermissionsJson, SubjectJson } from './types.js';

type Subjects = Readonly<Record<string, SubjectJson>>;
type Resources = Readonly<Record<string, ResourcePermissionsJson>>;

/** The label an entry of `importedPolicyId` gets in the importing policy. */
export function importedLabel(importedPolicyId: string, label: string): string {
  return `${IMPORTED_LABEL_PREFIX}-${importedPolicyId}-${label}`;
}

/**
 * Replaces every entry of `own` that has references by its merged form. Local references
 * read the raw entries of `own` (so references never chain); import references read
 * `imported-<policyId>-<label>` in `resolved`. Missing targets and `importable: never`
 * targets contribute nothing, as in Ditto.
 */
export function resolveReferences(
  own: Readonly<Record<string, PolicyEntryJson>>,
  resolved: ReadonlyMap<string, PolicyEntryJson>,
): Map<string, PolicyEntryJson> {
  const result = new Map(resolved);
  for (const [label, entry] of Object.entries(own)) {
    if (entry.references === undefined || entry.references.length === 0) continue;
    result.set(label, mergeReferenced(entry, own, resolved));
  }
  return result;
}

function mergeReferenced(
  entry: PolicyEntryJson,
  own: Readonly<Record<string, PolicyEntryJson>>,
  resolved: ReadonlyMap<string, PolicyEntryJson>,
): PolicyEntryJson {
  let subjects: Subjects = {};
  let resources: Resources = {};
  let namespaces: readonly string[] = [];
  // Undefined while no target restricts additions; the strictest set across targets applies.
  let allowed: Set<AllowedAddition> | undefined;
  for (const ref of entry.references ?? []) {
    const target =
      ref.import === undefined
        ? Object.hasOwn(own, ref.entry)
          ? own[ref.entry]
          : undefined
        : resolved.get(importedLabel(ref.import, ref.entry));
    if (target === undefined || target.importable === 'never') continue;
    resources = mergeResources(resources, target.resources ?? {});
    namespaces = union(namespaces, target.namespaces ?? []);
    subjects = mergeSubjects(subjects, target.subjects ?? {});
    if (target.allowedAdditions !== undefined) {
      const theirs = new Set(target.allowedAdditions);
      allowed = allowed === undefined ? theirs : new Set([...allowed].filter((a) => theirs.has(a)));
    }
  }
  const may = (kind: AllowedAddition): boolean => allowed === undefined || allowed.has(kind);
  if (may('resources')) resources = mergeResources(resources, entry.resources ?? {});
  if (may('subjects')) subjects = mergeSubjects(subjects, entry.subjects ?? {});
  if (may('namespaces')) namespaces = union(namespaces, entry.namespaces ?? []);
  return {
    subjects,
    resources,
    ...(namespaces.length > 0 ? { namespaces } : {}),
    ...(entry.importable !== undefined ? { importable: entry.importable } : {}),
    ...(allowed !== undefined ? { allowedAdditions: [...allowed] } : {}),
    ...(entry.references !== undefined ? { references: entry.references } : {}),
  };
}

/** Same subject id twice: the earlier instance (and its expiry) wins. */
function mergeSubjects(base: Subjects, more: Subjects): Subjects {
  const merged = new Map(Object.entries(base));
  for (const [id, subject] of Object.entries(more)) if (!merged.has(id)) merged.set(id, subject);
  return Object.fromEntries(merged);
}

/** Same resource twice: grants and revokes are unioned, so a template's revokes always survive. */
function mergeResources(base: Resources, more: Resources): Resources {
  const byKey = new Map<string, [string, ResourcePermissionsJson]>();
  for (const [key, perms] of Object.entries(base)) byKey.set(normalKey(key), [key, perms]);
  for (const [key, perms] of Object.entries(more)) {
    const existing = byKey.get(normalKey(key));
    byKey.set(
      normalKey(key),
      existing === undefined
        ? [key, perms]
        : [
            existing[0],
            { grant: union(existing[1].grant, perms.grant), revoke: union(existing[1].revoke, perms.revoke) },
          ],
    );
  }
  return Object.fromEntries(byKey.values());
}

/** `thing:/a` and `thing:a` name one resource, as Ditto's ResourceKey equality says. */
function normalKey(key: string): string {
  const parsed = parseResourceKey(key);
  return 'error' in parsed ? key : `${parsed.type}:${pathString(parsed.segments)}`;
}

function union(a: readonly string[], b: readonly string[]): readonly string[] {
  return [...new Set([...a, ...b])];
}
