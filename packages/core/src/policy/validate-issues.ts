/** @module Validation issues: where in the submitted policy JSON a rule failed, and which Ditto error it maps to. */

/** Ditto error codes a policy validation problem maps to (the edges turn them into 400 responses). */
export type PolicyValidationCode =
  | 'json.invalid'
  | 'json.field.missing'
  | 'policies:id.invalid'
  | 'policies:label.invalid'
  | 'policies:entry.invalid'
  | 'policies:subjectid.invalid'
  | 'policies:subjectexpiry.invalid'
  | 'policies:subjectannouncement.invalid'
  | 'policies:import.invalid'
  | 'policies:imports.toolarge';

export interface PolicyValidationIssue {
  /** JSON pointer (RFC 6901 escaped) into the validated document; `` is the document itself. */
  readonly path: string;
  readonly code: PolicyValidationCode;
  readonly message: string;
}

/** Appends RFC 6901-escaped keys; labels, subject ids and resource keys may contain `/`. */
export function childPath(parent: string, ...keys: readonly (string | number)[]): string {
  let path = parent;
  for (const key of keys) path += '/' + String(key).replaceAll('~', '~0').replaceAll('/', '~1');
  return path;
}

export type IssueSink = PolicyValidationIssue[];

export function report(sink: IssueSink, path: string, code: PolicyValidationCode, message: string): void {
  sink.push({ path, code, message });
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
