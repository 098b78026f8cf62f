/**
 * @module A deliberately naive policy evaluator for tests: reads the policy JSON directly on
 * every query and defines the rules recursively, so it shares no code with the compiled tree.
 *
 * effective(path) = false if a subject revokes on exactly `path`; else true if one grants on
 * exactly `path`; else effective(parent); above the root: false.
 * unrestricted(P) = effective(P) and no subject revokes strictly below P.
 * partial(P)      = effective(P) or some subject grants strictly below P.
 * view            = flatten to leaves, keep leaves whose path is effective for READ, rebuild.
 */

import type { JsonObject, JsonValue } from '../model/json.js';
import type { PolicyJson } from './types.js';

export interface ReferenceRule {
  readonly subject: string;
  readonly type: string;
  readonly segments: readonly string[];
  readonly grant: readonly string[];
  readonly revoke: readonly string[];
}

export function referenceRules(policy: PolicyJson, opts: { namespace?: string; now: Date }): ReferenceRule[] {
  const rules: ReferenceRule[] = [];
  for (const entry of Object.values(policy.entries)) {
    const patterns = entry.namespaces ?? [];
    if (opts.namespace !== undefined && patterns.length > 0) {
      const ns = opts.namespace;
      const applies = patterns.some((p) =>
        p.endsWith('.*') ? ns.startsWith(p.slice(0, -2) + '.') : ns === p,
      );
      if (!applies) continue;
    }
    for (const [subject, info] of Object.entries(entry.subjects ?? {})) {
      if (info.expiry !== undefined && !(Date.parse(info.expiry) > opts.now.getTime())) continue;
      for (const [key, perms] of Object.entries(entry.resources ?? {})) {
        const colon = key.indexOf(':');
        const segments = key
          .slice(colon + 1)
          .split('/')
          .filter((s) => s !== '');
        rules.push({
          subject,
          type: key.slice(0, colon),
          segments,
          grant: perms.grant,
          revoke: perms.revoke,
        });
      }
    }
  }
  return rules;
}

const same = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((s, i) => s === b[i]);
const strictlyBelow = (path: readonly string[], of: readonly string[]): boolean =>
  path.length > of.length && of.every((s, i) => s === path[i]);

function mine(rules: readonly ReferenceRule[], type: string, subjects: readonly string[]): ReferenceRule[] {
  return rules.filter((r) => r.type === type && subjects.includes(r.subject));
}

export function refEffective(
  rules: readonly ReferenceRule[],
  type: string,
  path: readonly string[],
  subjects: readonly string[],
  perm: string,
): boolean {
  const relevant = mine(rules, type, subjects);
  const decide = (length: number): boolean => {
    if (length < 0) return false;
    const here = relevant.filter((r) => same(r.segments, path.slice(0, length)));
    if (here.some((r) => r.revoke.includes(perm))) return false;
    if (here.some((r) => r.grant.includes(perm))) return true;
    return decide(length - 1);
  };
  return decide(path.length);
}

export function refUnrestricted(
  rules: readonly ReferenceRule[],
  type: string,
  path: readonly string[],
  subjects: readonly string[],
  perms: readonly string[],
): boolean {
  if (perms.length === 0 || subjects.length === 0) return false;
  return perms.every(
    (perm) =>
      refEffective(rules, type, path, subjects, perm) &&
      !mine(rules, type, subjects).some((r) => r.revoke.includes(perm) && strictlyBelow(r.segments, path)),
  );
}

export function refPartial(
  rules: readonly ReferenceRule[],
  type: string,
  path: readonly string[],
  subjects: readonly string[],
  perms: readonly string[],
): boolean {
  if (perms.length === 0 || subjects.length === 0) return false;
  return perms.every(
    (perm) =>
      refEffective(rules, type, path, subjects, perm) ||
      mine(rules, type, subjects).some((r) => r.grant.includes(perm) && strictlyBelow(r.segments, path)),
  );
}

export function refSubjectsWith(
  rules: readonly ReferenceRule[],
  type: string,
  path: readonly string[],
  perm: string,
): { unrestricted: Set<string>; partial: Set<string> } {
  const unrestricted = new Set<string>();
  const partial = new Set<string>();
  for (const subject of new Set(rules.filter((r) => r.type === type).map((r) => r.subject))) {
    if (refUnrestricted(rules, type, path, [subject], [perm])) unrestricted.add(subject);
    else if (refPartial(rules, type, path, [subject], [perm])) partial.add(subject);
  }
  return { unrestricted, partial };
}

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function refView(
  rules: readonly ReferenceRule[],
  type: string,
  subjects: readonly string[],
  value: JsonValue,
  base: readonly string[],
): JsonValue | undefined {
  if (subjects.length === 0) return undefined;
  const leaves: { relative: string[]; value: JsonValue }[] = [];
  const flatten = (relative: string[], v: JsonValue): void => {
    if (isObject(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) flatten([...relative, k], child);
    } else {
      leaves.push({ relative, value: v });
    }
  };
  flatten([], value);
  const kept = leaves.filter((l) => refEffective(rules, type, [...base, ...l.relative], subjects, 'READ'));
  if (kept.length === 0) return undefined;
  if (!isObject(value) || Object.keys(value).length === 0) return value;
  const result: JsonObject = {};
  for (const leaf of kept) {
    let target = result;
    leaf.relative.forEach((key, i) => {
      if (i === leaf.relative.length - 1) target[key] = leaf.value;
      else target = (target[key] ??= {}) as JsonObject;
    });
  }
  return result;
}

/** Leaves of a merge patch, naive: every non-object or empty-object value is a leaf. */
export function refPatchLeaves(base: readonly string[], patch: JsonValue): string[][] {
  if (!isObject(patch) || Object.keys(patch).length === 0) return [[...base]];
  return Object.entries(patch).flatMap(([k, v]) => refPatchLeaves([...base, k], v));
}
