/**
 * @module Policy imports: which policies a policy needs, and the effective policy with the
 * imported entries merged in (Ditto Policy.withResolvedImports / PolicyImporter).
 *
 * Loading is the caller's job, so this stays pure. By default an import brings in only the
 * imported policy's own entries, not what that policy imports in turn; `transitiveImports`
 * names the imports of the imported policy to resolve first. The caller loads in rounds:
 *
 *   const loaded = new Map<string, PolicyJson>();
 *   for (let round = 0; round <= MAX_TRANSITIVE_DEPTH; round++) {
 *     const wanted = importedPolicyIds(policy, loaded).filter((id) => !loaded.has(id) && !tried.has(id));
 *     if (wanted.length === 0) break;
 *     ...load `wanted`, add the found ones to `loaded`, remember all of them in `tried`...
 *   }
 *   const effective = resolveImports(policy, loaded);
 *
 * The round bound and `tried` keep a missing or cyclic chain from looping forever.
 */

import { DEFAULT_MAX_IMPORTS } from './validate.js';
import { importedLabel, resolveReferences, type TracedEntry } from './references.js';
import type { PolicyImportJson, PolicyJson } from './types.js';

/** Ditto's PolicyImporter.MAX_TRANSITIVE_RESOLUTION_DEPTH. */
export const MAX_TRANSITIVE_DEPTH = 10;

export type PolicyImportErrorCode = 'policies:imports.toolarge' | 'policies:import.invalid';

/** Thrown for import graphs Ditto refuses; the code is the Ditto error to answer with. */
export class PolicyImportError extends Error {
  readonly code: PolicyImportErrorCode;
  constructor(code: PolicyImportErrorCode, message: string) {
    super(message);
    this.name = 'PolicyImportError';
    this.code = code;
  }
}

export interface ResolveImportsOptions {
  /** Most imports one policy may declare; 10 as in Ditto. */
  readonly maxImports?: number;
}

/**
 * The ids of the policies needed to resolve `policy`: its direct imports and, given the
 * policies `loaded` so far, the ones reachable through `transitiveImports`.
 */
export function importedPolicyIds(policy: PolicyJson, loaded?: ReadonlyMap<string, PolicyJson>): string[] {
  const needed = new Set<string>();
  const visit = (
    id: string,
    declaration: PolicyImportJson,
    depth: number,
    visited: ReadonlySet<string>,
  ): void => {
    needed.add(id);
    const imported = loaded?.get(id);
    const transitive = declaration.transitiveImports ?? [];
    if (imported === undefined || transitive.length === 0 || depth >= MAX_TRANSITIVE_DEPTH) return;
    const wanted = new Set(transitive.filter((t) => !visited.has(t)));
    const nextVisited = new Set([...visited, ...wanted]);
    for (const [tid, tdecl] of Object.entries(imported.imports ?? {})) {
      if (wanted.has(tid)) visit(tid, tdecl, depth + 1, nextVisited);
    }
  };
  for (const [id, declaration] of Object.entries(policy.imports ?? {})) visit(id, declaration, 0, new Set());
  return [...needed];
}

/**
 * The effective policy: own entries, plus each imported policy's entries that are importable
 * `implicit` (also when `importable` is absent) or `explicit` and listed in the import's
 * `entries`, relabelled `imported-<policyId>-<label>`; then own entries with `references` are
 * merged with their targets. Imported policies missing from `imported` contribute nothing.
 * Throws PolicyImportError when more than `maxImports` imports are declared or a transitive
 * chain is deeper than 10 (Ditto throws there too, rather than stopping quietly).
 */
export function resolveImports(
  policy: PolicyJson,
  imported: ReadonlyMap<string, PolicyJson>,
  opts: ResolveImportsOptions = {},
): PolicyJson {
  const traced = resolveImportsTraced(policy, imported, opts);
  return { ...policy, entries: Object.fromEntries([...traced].map(([label, t]) => [label, t.entry])) };
}

/**
 * resolveImports, with the sources of every entry: the entry itself in `policy` (under
 * `policy.policyId`, '' when absent), the entries it references, and for imported entries every
 * policy of the import chain under the label the entry has in it, down to the one it comes from.
 */
export function resolveImportsTraced(
  policy: PolicyJson,
  imported: ReadonlyMap<string, PolicyJson>,
  opts: ResolveImportsOptions = {},
): Map<string, TracedEntry> {
  const declarations = Object.entries(policy.imports ?? {});
  const max = opts.maxImports ?? DEFAULT_MAX_IMPORTS;
  if (declarations.length > max) {
    throw new PolicyImportError('policies:imports.toolarge', `a policy may import at most ${max} policies`);
  }
  const merged = untraced(policy.entries);
  for (const [id, declaration] of declarations) {
    addAbsent(merged, importedEntries(id, declaration, imported, 0, new Set()));
  }
  const id = policy.policyId ?? '';
  return tagged(id, resolveReferences(policy.entries, id, merged));
}

/** Entries one import contributes, already relabelled. */
function importedEntries(
  id: string,
  declaration: PolicyImportJson,
  imported: ReadonlyMap<string, PolicyJson>,
  depth: number,
  visited: ReadonlySet<string>,
): Map<string, TracedEntry> {
  const source = imported.get(id);
  const result = new Map<string, TracedEntry>();
  if (source === undefined) return result;
  const transitive = declaration.transitiveImports ?? [];
  const available =
    transitive.length === 0
      ? untraced(source.entries)
      : withTransitive(source, transitive, imported, depth, visited);
  const listed = new Set(declaration.entries ?? []);
  for (const [label, traced] of tagged(id, resolveReferences(source.entries, id, available))) {
    const importable = traced.entry.importable ?? 'implicit';
    if (importable === 'never' || (importable === 'explicit' && !listed.has(label))) continue;
    // References are local to the source policy and are not carried over.
    const { references: _dropped, ...rest } = traced.entry;
    result.set(importedLabel(id, label), { entry: rest, sources: traced.sources });
  }
  return result;
}

function withTransitive(
  source: PolicyJson,
  transitive: readonly string[],
  imported: ReadonlyMap<string, PolicyJson>,
  depth: number,
  visited: ReadonlySet<string>,
): Map<string, TracedEntry> {
  if (depth >= MAX_TRANSITIVE_DEPTH) {
    throw new PolicyImportError(
      'policies:import.invalid',
      `the policy import graph exceeds the maximum transitive resolution depth of ${MAX_TRANSITIVE_DEPTH} ` +
        `at '${source.policyId ?? '?'}'; shorten the chain or break the cycle`,
    );
  }
  const wanted = new Set(transitive.filter((t) => !visited.has(t)));
  const entries = untraced(source.entries);
  const nextVisited = new Set([...visited, ...wanted]);
  for (const [tid, tdecl] of Object.entries(source.imports ?? {})) {
    if (wanted.has(tid)) addAbsent(entries, importedEntries(tid, tdecl, imported, depth + 1, nextVisited));
  }
  return entries;
}

/** Raw entries with no sources yet; tagged() adds the policy they sit in. */
function untraced(entries: PolicyJson['entries']): Map<string, TracedEntry> {
  return new Map(Object.entries(entries).map(([label, entry]) => [label, { entry, sources: [] }]));
}

/** Puts "this entry, under this label, in policy `policyId`" first among each entry's sources. */
function tagged(policyId: string, entries: ReadonlyMap<string, TracedEntry>): Map<string, TracedEntry> {
  const result = new Map<string, TracedEntry>();
  for (const [label, traced] of entries) {
    const sources = [{ policyId, label }, ...traced.sources];
    const unique = sources.filter(
      (s, i) => sources.findIndex((o) => o.policyId === s.policyId && o.label === s.label) === i,
    );
    result.set(label, { entry: traced.entry, sources: unique });
  }
  return result;
}

/** On a label clash the entry seen first stays, as Ditto documents for transitive chains. */
function addAbsent(target: Map<string, TracedEntry>, more: ReadonlyMap<string, TracedEntry>): void {
  for (const [label, entry] of more) if (!target.has(label)) target.set(label, entry);
}
