/**
 * @module Structural validation of a policy document, following Ditto's policy model parsing
 * plus the write-time checks of its policies service (imports limit, self-import, references).
 */

import { isValidPolicyId, labelProblem } from './syntax.js';
import { isJsonObject, type JsonObject } from './types.js';
import { validateEntry, validateStringArray } from './validate-entry.js';
import {
  childPath,
  describe,
  report,
  type IssueSink,
  type PolicyValidationIssue,
} from './validate-issues.js';

/** Ditto's default `ditto.limits.policy.imports-limit`. */
export const DEFAULT_MAX_IMPORTS = 10;

export interface ValidatePolicyOptions {
  /** Most imports one policy may declare; 10 as in Ditto. */
  readonly maxImports?: number;
}

/**
 * Returns every problem found in `json` (empty: valid). `policyId` may be absent because the
 * HTTP API takes it from the URL; when present it must be a valid namespaced id. Unknown
 * top-level fields (`_revision`, `_created`, …) are ignored as Ditto ignores them.
 */
export function validatePolicy(json: unknown, opts: ValidatePolicyOptions = {}): PolicyValidationIssue[] {
  const sink: IssueSink = [];
  if (!isJsonObject(json)) {
    report(sink, '', 'json.invalid', `a policy must be a JSON object, not ${describe(json)}`);
    return sink;
  }
  const policyId = json['policyId'];
  if (policyId !== undefined && (typeof policyId !== 'string' || !isValidPolicyId(policyId))) {
    report(
      sink,
      '/policyId',
      'policies:id.invalid',
      "'policyId' must be 'namespace:name' (at most 256 characters)",
    );
  }
  const ownId = typeof policyId === 'string' ? policyId : undefined;
  if (json['imports'] !== undefined) validateImports(json['imports'], ownId, opts, sink);

  const entries = json['entries'];
  if (entries === undefined) {
    report(sink, '/entries', 'json.field.missing', "the policy's 'entries' are missing");
  } else if (!isJsonObject(entries)) {
    report(sink, '/entries', 'json.invalid', `'entries' must be an object, not ${describe(entries)}`);
  } else {
    for (const [label, entry] of Object.entries(entries))
      validateEntry(label, entry, childPath('/entries', label), sink);
    validateReferenceTargets(entries, json['imports'], sink);
  }
  return sink;
}

function validateImports(
  imports: unknown,
  ownId: string | undefined,
  opts: ValidatePolicyOptions,
  sink: IssueSink,
): void {
  if (!isJsonObject(imports)) {
    report(sink, '/imports', 'json.invalid', `'imports' must be an object, not ${describe(imports)}`);
    return;
  }
  const max = opts.maxImports ?? DEFAULT_MAX_IMPORTS;
  const ids = Object.keys(imports);
  if (ids.length > max) {
    report(sink, '/imports', 'policies:imports.toolarge', `a policy may import at most ${max} policies`);
  }
  for (const id of ids) {
    const path = childPath('/imports', id);
    if (!isValidPolicyId(id))
      report(sink, path, 'policies:import.invalid', `'${id}' is not a valid policy id`);
    if (id === ownId) report(sink, path, 'policies:import.invalid', 'a policy must not import itself');
    const declaration = imports[id];
    if (!isJsonObject(declaration)) {
      report(sink, path, 'json.invalid', `the import must be an object, not ${describe(declaration)}`);
      continue;
    }
    if (declaration['entries'] !== undefined) {
      validateStringArray(declaration['entries'], childPath(path, 'entries'), sink, (label, itemPath) => {
        const problem = labelProblem(label);
        if (problem === 'empty' || problem === 'invalid-chars') {
          report(sink, itemPath, 'policies:label.invalid', `'${label}' is not a valid label`);
        }
      });
    }
    if (declaration['transitiveImports'] !== undefined) {
      validateStringArray(
        declaration['transitiveImports'],
        childPath(path, 'transitiveImports'),
        sink,
        (t, itemPath) => {
          if (!isValidPolicyId(t))
            report(sink, itemPath, 'policies:import.invalid', `'${t}' is not a valid policy id`);
          if (t === ownId) {
            report(
              sink,
              itemPath,
              'policies:import.invalid',
              "'transitiveImports' must not contain the policy's own id",
            );
          }
        },
      );
    }
  }
}

/**
 * Ditto's validateReferencesIntegrity: no duplicates, no self reference, local targets exist
 * and are not `importable: never`, import targets are declared imports.
 */
function validateReferenceTargets(entries: JsonObject, imports: unknown, sink: IssueSink): void {
  const declared = isJsonObject(imports) ? imports : {};
  for (const [label, entry] of Object.entries(entries)) {
    if (!isJsonObject(entry) || !Array.isArray(entry['references'])) continue;
    const seen = new Set<string>();
    const references: readonly unknown[] = entry['references'];
    references.forEach((reference, index) => {
      if (!isJsonObject(reference) || typeof reference['entry'] !== 'string') return;
      const path = childPath('/entries', label, 'references', index);
      const target = reference['entry'];
      const importId = typeof reference['import'] === 'string' ? reference['import'] : undefined;
      const key = JSON.stringify([importId ?? null, target]);
      if (seen.has(key))
        report(sink, path, 'policies:entry.invalid', `duplicate reference to entry '${target}'`);
      seen.add(key);
      if (importId !== undefined) {
        if (!Object.hasOwn(declared, importId)) {
          report(
            sink,
            path,
            'policies:entry.invalid',
            `the referenced policy '${importId}' is not declared in imports`,
          );
        }
        return;
      }
      if (target === label) {
        report(sink, path, 'policies:entry.invalid', 'an entry must not reference itself');
        return;
      }
      const local = Object.hasOwn(entries, target) ? entries[target] : undefined;
      if (local === undefined) {
        report(
          sink,
          path,
          'policies:entry.invalid',
          `the referenced entry '${target}' does not exist in the policy`,
        );
      } else if (isJsonObject(local) && local['importable'] === 'never') {
        report(
          sink,
          path,
          'policies:entry.invalid',
          `the referenced entry '${target}' is importable 'never'`,
        );
      }
    });
  }
}
