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

/** One entry that content of a resolved entry is taken from: `label` as it appears in `policyId`. */
export interface EntrySource {
  readonly policyId: string;
  readonly label: string;
}

/**
 * A resolved entry with every entry its content is taken from: the entry itself and the entries it
 * references, and for imported entries each policy along the import chain under the label the entry
 * has there. Who may see the entry is decided against each of them (see effective-view.ts).
 */
export interface TracedEntry {
  readonly entry: PolicyEntryJson;
  readonly sources: readonly EntrySource[];
}

/**
 * Replaces every entry of `own` (the raw entries of policy `ownId`) that has references by its
 * merged form. Local references read the raw entries of `own` (so references never chain); import
 * references read `imported-<policyId>-<label>` in `resolved`. Missing targets and
 * `importable: never` targets contribute nothing, as in Ditto. A merged entry also lists the
 * sources of every target that contributed.
 */
export function resolveReferences(
  own: Readonly<Record<string, PolicyEntryJson>>,
  ownId: string,
  resolved: ReadonlyMap<string, TracedEntry>,
): Map<string, TracedEntry> {
  const result = new Map(resolved);
  for (const [label, entry] of Object.entries(own)) {
    if (entry.references === undefined || entry.references.length === 0) continue;
    const targets: TracedEntry[] = [];
    for (const ref of entry.references) {
      let target: TracedEntry | undefined;
      if (ref.import === undefined) {
        const local = Object.hasOwn(own, ref.entry) ? own[ref.entry] : undefined;
        if (local !== undefined) target = { entry: local, sources: [{ policyId: ownId, label: ref.entry }] };
      } else {
        const imported = importedLabel(ref.import, ref.entry);
        const found = resolved.get(imported);
        if (found !== undefined)
          target = { entry: found.entry, sources: [{ policyId: ownId, label: imported }, ...found.sources] };
      }
      if (target === undefined || target.entry.importable === 'never') continue;
      targets.push(target);
    }
    result.set(label, {
      entry: mergeReferenced(
        entry,
        targets.map((t) => t.entry),
      ),
      sources: [...(resolved.get(label)?.sources ?? []), ...targets.flatMap((t) => t.sources)],
    });
  }
  return result;
}

function mergeReferenced(entry: PolicyEntryJson, targets: readonly PolicyEntryJson[]): PolicyEntryJson {
  let subjects: Subjects = {};
  let resources: Resources = {};
  let namespaces: readonly string[] = [];
  // Undefined while no target restricts additions; the strictest set across targets applies.
  let allowed: Set<AllowedAddition> | undefined;
  for (const target of targets) {
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
