/**
 * @module The search columns of a `things` row, derived from the record: the namespace (part of the
 * id) and the policy id, which the search filters and joins with the reader rows.
 */
import { namespaceOf } from '@egiz/core';
import type { EntityRecord, PolicyReaders } from '../port.js';

export function thingNamespace(record: EntityRecord): string {
  return namespaceOf(record.id);
}

export function thingPolicyId(record: EntityRecord): string | null {
  const policyId = record.value.policyId;
  return !record.deleted && typeof policyId === 'string' ? policyId : null;
}

/** 2 = unrestricted READ, 1 = partial READ, 0 = none (a row kept only for its revoke flag). */
export type ReaderAccess = 0 | 1 | 2;

export interface ReaderRow {
  readonly subject: string;
  readonly access: ReaderAccess;
  readonly revokes: boolean;
}

/** One row per subject of a reader entry (a subject may be listed both as reader and as revoker). */
export function readerRows(readers: PolicyReaders): ReaderRow[] {
  const rows = new Map<string, { access: ReaderAccess; revokes: boolean }>();
  const at = (subject: string) => {
    let row = rows.get(subject);
    if (row === undefined) {
      row = { access: 0, revokes: false };
      rows.set(subject, row);
    }
    return row;
  };
  for (const s of readers.partial) at(s).access = 1;
  for (const s of readers.full) at(s).access = 2;
  for (const s of readers.revoked ?? []) at(s).revokes = true;
  return [...rows].map(([subject, r]) => ({ subject, access: r.access, revokes: r.revokes }));
}

/**
 * The half-open text ranges [from, to) of the Thing ids and of the namespaces that a namespace
 * pattern covers: `acme` is the namespace itself (ids `acme:…`), `acme.*` everything below it (ids and
 * namespaces `acme.…`). Namespaces hold no ':' and the stores compare text bytewise, so a range of the
 * id index finds exactly the Things of the pattern.
 */
export function namespacePatternRanges(pattern: string): {
  readonly ids: readonly [string, string];
  readonly namespaces: readonly [string, string];
} {
  const below = pattern.endsWith('.*');
  const prefix = below ? pattern.slice(0, -1) : `${pattern}:`;
  const after = (text: string) =>
    text.slice(0, -1) + String.fromCharCode(text.charCodeAt(text.length - 1) + 1);
  // `acme` exactly: nothing sorts between `acme` and `acme` followed by U+0001 (PostgreSQL text holds no U+0000).
  return {
    ids: [prefix, after(prefix)],
    namespaces: below ? [prefix, after(prefix)] : [pattern, `${pattern}\u0001`],
  };
}
