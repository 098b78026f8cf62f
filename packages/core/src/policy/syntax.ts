/**
 * @module Lexical rules Ditto applies to policy ids, labels and subject ids
 * (base/model RegexPatterns, ImmutableLabel, ImmutableSubjectId).
 */

import { parseEntityId } from '../model/entity-id.js';

/**
 * Ditto's "control characters" are U+0000–U+001F and U+007F–U+00FF: the Latin-1 block is
 * excluded too, which is stricter than Unicode's definition but what Ditto enforces.
 */
export function hasControlChars(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0xff)) return true;
  }
  return false;
}

/** `namespace:name` as Ditto's RegexPatterns.ID_REGEX, at most 256 characters. */
export function isValidPolicyId(value: string): boolean {
  return parseEntityId(value) !== undefined;
}

/** Prefixes reserved for labels that imports and namespace root policies generate. */
export const IMPORTED_LABEL_PREFIX = 'imported';
export const NS_IMPORTED_LABEL_PREFIX = 'nsimported';

export type LabelProblem = 'empty' | 'reserved-prefix' | 'invalid-chars';

/** Returns why a user-supplied label is rejected, or undefined when it is fine. */
export function labelProblem(label: string): LabelProblem | undefined {
  if (label === '') return 'empty';
  // Ditto checks the bare prefix, so `importedFoo` is rejected too, not only `imported-…`.
  if (label.startsWith(IMPORTED_LABEL_PREFIX) || label.startsWith(NS_IMPORTED_LABEL_PREFIX)) {
    return 'reserved-prefix';
  }
  if (label.includes('/') || hasControlChars(label)) return 'invalid-chars';
  return undefined;
}

const PLACEHOLDER = /\{\{.*\}\}/;

/**
 * Checks `issuer:subject`. Like Ditto, a `://` in the issuer (an URL issuer) is skipped when
 * looking for the delimiter, and ids containing a `{{ placeholder }}` are taken whole.
 */
export function subjectIdProblem(id: string): string | undefined {
  if (id === '') return 'the subject id must not be empty';
  if (hasControlChars(id)) return 'the subject id must not contain control characters';
  if (PLACEHOLDER.test(id)) return undefined;
  const scheme = id.indexOf('://');
  const delimiter = scheme >= 0 ? id.indexOf(':', scheme + 3) : id.indexOf(':');
  if (delimiter < 0) return "the subject id must have the form 'issuer:subject'";
  if (delimiter === id.length - 1) return 'the subject part after the issuer must not be empty';
  return undefined;
}
