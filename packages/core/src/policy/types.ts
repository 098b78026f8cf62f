/** @module Policy JSON shapes (Ditto's policy document) and the small vocabularies they use. */

export type { JsonObject, JsonValue } from '../model/json.js';
export { isJsonObject } from '../model/json.js';

/** Permissions Ditto checks anywhere; the documentation names no others. */
export const PERMISSIONS = ['READ', 'WRITE', 'EXECUTE'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Resource types a policy can protect (`thing:/…`, `policy:/…`, `message:/…`). */
export const RESOURCE_TYPES = ['thing', 'policy', 'message'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const IMPORTABLE_TYPES = ['implicit', 'explicit', 'never'] as const;
export type ImportableType = (typeof IMPORTABLE_TYPES)[number];

export const ALLOWED_ADDITIONS = ['subjects', 'resources', 'namespaces'] as const;
export type AllowedAddition = (typeof ALLOWED_ADDITIONS)[number];

export interface SubjectAnnouncementJson {
  readonly beforeExpiry?: string;
  readonly whenDeleted?: boolean;
  readonly requestedAcks?: { readonly labels?: readonly string[]; readonly timeout?: string };
  readonly randomizationInterval?: string;
}

export interface SubjectJson {
  readonly type: string;
  /** ISO-8601 instant; the subject stops counting once this instant is reached. */
  readonly expiry?: string;
  readonly announcement?: SubjectAnnouncementJson;
}

export interface ResourcePermissionsJson {
  readonly grant: readonly string[];
  readonly revoke: readonly string[];
}

/** `{entry}` points at a local entry, `{import, entry}` at an entry of an imported policy. */
export interface EntryReferenceJson {
  readonly entry: string;
  readonly import?: string;
}

export interface PolicyEntryJson {
  /** Keyed by subject id `issuer:subject`. Ditto treats a missing map as empty. */
  readonly subjects?: { readonly [subjectId: string]: SubjectJson };
  /** Keyed by resource key `type:/path`. Ditto treats a missing map as empty. */
  readonly resources?: { readonly [resourceKey: string]: ResourcePermissionsJson };
  /** Absent or empty: the entry applies in every namespace. */
  readonly namespaces?: readonly string[];
  /** Absent means `implicit`. */
  readonly importable?: ImportableType;
  readonly allowedAdditions?: readonly AllowedAddition[];
  readonly references?: readonly EntryReferenceJson[];
}

export interface PolicyImportJson {
  /** Labels of `explicit` entries to import in addition to the `implicit` ones. */
  readonly entries?: readonly string[];
  /** Imports of the imported policy that are resolved before its entries are taken over. */
  readonly transitiveImports?: readonly string[];
}

export interface PolicyJson {
  readonly policyId?: string;
  readonly imports?: { readonly [importedPolicyId: string]: PolicyImportJson };
  readonly entries: { readonly [label: string]: PolicyEntryJson };
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

export function isResourceType(value: unknown): value is ResourceType {
  return typeof value === 'string' && (RESOURCE_TYPES as readonly string[]).includes(value);
}
