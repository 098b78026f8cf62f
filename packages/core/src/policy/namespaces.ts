/** @module Namespace patterns of policy entries (Ditto PolicyEntryNamespaces). */

import { isValidNamespace } from '../model/entity-id.js';

/** `com.acme` (exact) or `com.acme.*` (strictly below `com.acme`, not `com.acme` itself). */
export function isValidNamespacePattern(pattern: string): boolean {
  if (pattern === '') return false;
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -2);
    return prefix !== '' && isValidNamespace(prefix);
  }
  return isValidNamespace(pattern);
}

export function matchesNamespacePattern(pattern: string, namespace: string): boolean {
  if (pattern.endsWith('.*')) return namespace.startsWith(pattern.slice(0, -1));
  return namespace === pattern;
}

/** An entry without patterns applies everywhere; otherwise one pattern must match. */
export function entryAppliesToNamespace(patterns: readonly string[] | undefined, namespace: string): boolean {
  if (patterns === undefined || patterns.length === 0) return true;
  return patterns.some((p) => matchesNamespacePattern(p, namespace));
}
