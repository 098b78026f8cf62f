/**
 * @module The import index of a Policy (`policy_imports`): which policies it imports and which ids
 * each import names in `transitiveImports`. The stores derive the rows from every Policy they write,
 * in the same transaction, so that the search can find the policies a change reaches through imports
 * without reading every policy (search/policy-dependents.ts).
 */
import type { EntityRecord } from '../port.js';

/** `[imported, via]` rows of a Policy: via '' for each import, plus one row per transitive import it names. */
export function policyImportRows(record: EntityRecord): [imported: string, via: string][] {
  return record.kind !== 'policy' || record.deleted ? [] : importRowsOf(record.value);
}

/** The import index rows of a live Policy's JSON (what policyImportRows gives for its record). */
export function importRowsOf(policy: EntityRecord['value']): [imported: string, via: string][] {
  const imports = policy.imports;
  if (imports === null || typeof imports !== 'object' || Array.isArray(imports)) return [];
  const rows = new Map<string, [string, string]>();
  for (const [imported, declaration] of Object.entries(imports)) {
    rows.set(JSON.stringify([imported, '']), [imported, '']);
    const transitive =
      declaration !== null && typeof declaration === 'object' && !Array.isArray(declaration)
        ? declaration.transitiveImports
        : undefined;
    if (!Array.isArray(transitive)) continue;
    for (const via of transitive)
      if (typeof via === 'string' && via !== '') rows.set(JSON.stringify([imported, via]), [imported, via]);
  }
  return [...rows.values()];
}
