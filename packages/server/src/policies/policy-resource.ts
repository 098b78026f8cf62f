/**
 * @module The resources of a Policy addressed by /api/2/policies/{id}/... and the Ditto Protocol:
 * which kind a path names, its pointer inside the Policy JSON (labels, subject ids and resource keys
 * are single segments even when they contain slashes), its events and errors, and allowed methods.
 */
import type { ErrorCode } from '@egiz/core';

export const POLICY_RESOURCE_KINDS = [
  'policy',
  'entries',
  'entry',
  'subjects',
  'subject',
  'resources',
  'resource',
  'entryNamespaces',
  'entryImportable',
  'entryAllowedAdditions',
  'entryReferences',
  'imports',
  'import',
  'importEntries',
  'importTransitiveImports',
] as const;
export type PolicyResourceKind = (typeof POLICY_RESOURCE_KINDS)[number];

export interface PolicyResource {
  readonly kind: PolicyResourceKind;
  readonly pointer: readonly string[];
}

interface KindInfo {
  readonly event: string;
  readonly notFound: ErrorCode;
  readonly notModifiable: ErrorCode;
  readonly deletable: boolean;
  readonly label: string;
}

export const POLICY_RESOURCE_INFO: Readonly<Record<PolicyResourceKind, KindInfo>> = {
  policy: {
    event: 'policy',
    notFound: 'policies:policy.notfound',
    notModifiable: 'policies:policy.notmodifiable',
    deletable: true,
    label: 'Policy',
  },
  entries: {
    event: 'policyEntries',
    notFound: 'policies:entries.notfound',
    notModifiable: 'policies:entries.notmodifiable',
    deletable: false,
    label: 'entries',
  },
  entry: {
    event: 'policyEntry',
    notFound: 'policies:entry.notfound',
    notModifiable: 'policies:entry.notmodifiable',
    deletable: true,
    label: 'entry',
  },
  subjects: {
    event: 'subjects',
    notFound: 'policies:subjects.notfound',
    notModifiable: 'policies:subjects.notmodifiable',
    deletable: false,
    label: 'subjects',
  },
  subject: {
    event: 'subject',
    notFound: 'policies:subject.notfound',
    notModifiable: 'policies:subject.notmodifiable',
    deletable: true,
    label: 'subject',
  },
  resources: {
    event: 'resources',
    notFound: 'policies:resources.notfound',
    notModifiable: 'policies:resources.notmodifiable',
    deletable: false,
    label: 'resources',
  },
  resource: {
    event: 'resource',
    notFound: 'policies:resource.notfound',
    notModifiable: 'policies:resource.notmodifiable',
    deletable: true,
    label: 'resource',
  },
  entryNamespaces: {
    event: 'policyEntryNamespaces',
    notFound: 'policies:entry.notfound',
    notModifiable: 'policies:entry.notmodifiable',
    deletable: false,
    label: 'namespaces',
  },
  entryImportable: {
    event: 'policyEntryImportable',
    notFound: 'policies:entry.notfound',
    notModifiable: 'policies:entry.notmodifiable',
    deletable: false,
    label: 'importable',
  },
  entryAllowedAdditions: {
    event: 'policyEntryAllowedAdditions',
    notFound: 'policies:entry.notfound',
    notModifiable: 'policies:entry.notmodifiable',
    deletable: false,
    label: 'allowedAdditions',
  },
  entryReferences: {
    event: 'policyEntryReferences',
    notFound: 'policies:entry.notfound',
    notModifiable: 'policies:entry.notmodifiable',
    deletable: true,
    label: 'references',
  },
  imports: {
    event: 'policyImports',
    notFound: 'policies:imports.notfound',
    notModifiable: 'policies:imports.notmodifiable',
    deletable: true,
    label: 'imports',
  },
  import: {
    event: 'policyImport',
    notFound: 'policies:import.notfound',
    notModifiable: 'policies:import.notmodifiable',
    deletable: true,
    label: 'import',
  },
  importEntries: {
    event: 'policyImportEntries',
    notFound: 'policies:import.notfound',
    notModifiable: 'policies:import.notmodifiable',
    deletable: false,
    label: 'import entries',
  },
  importTransitiveImports: {
    event: 'policyImportTransitiveImports',
    notFound: 'policies:import.notfound',
    notModifiable: 'policies:import.notmodifiable',
    deletable: false,
    label: 'transitive imports',
  },
};

const ENTRY_FIELDS: Readonly<Record<string, PolicyResourceKind>> = {
  namespaces: 'entryNamespaces',
  importable: 'entryImportable',
  allowedAdditions: 'entryAllowedAdditions',
  references: 'entryReferences',
};

/** Maps the segments after `/policies/{policyId}` to a resource; undefined when there is none. */
export function resolvePolicyResource(segments: readonly string[]): PolicyResource | undefined {
  const [first, second, third, ...rest] = segments;
  if (first === undefined) return { kind: 'policy', pointer: [] };
  if (first === 'entries') {
    if (second === undefined) return { kind: 'entries', pointer: ['entries'] };
    if (second === '') return undefined;
    if (third === undefined) return { kind: 'entry', pointer: ['entries', second] };
    const tail = rest.join('/');
    if (third === 'subjects')
      return rest.length === 0
        ? { kind: 'subjects', pointer: ['entries', second, 'subjects'] }
        : tail === ''
          ? undefined
          : { kind: 'subject', pointer: ['entries', second, 'subjects', tail] };
    if (third === 'resources')
      return rest.length === 0
        ? { kind: 'resources', pointer: ['entries', second, 'resources'] }
        : tail === ''
          ? undefined
          : { kind: 'resource', pointer: ['entries', second, 'resources', tail] };
    const field = ENTRY_FIELDS[third];
    if (field && rest.length === 0) return { kind: field, pointer: ['entries', second, third] };
    return undefined;
  }
  if (first === 'imports') {
    if (second === undefined) return { kind: 'imports', pointer: ['imports'] };
    if (second === '') return undefined;
    if (third === undefined && rest.length === 0) return { kind: 'import', pointer: ['imports', second] };
    if (rest.length > 0) return undefined;
    if (third === 'entries') return { kind: 'importEntries', pointer: ['imports', second, 'entries'] };
    if (third === 'transitiveImports')
      return { kind: 'importTransitiveImports', pointer: ['imports', second, 'transitiveImports'] };
    return undefined;
  }
  return undefined;
}

export function describePolicyResource(r: PolicyResource, policyId: string): string {
  const info = POLICY_RESOURCE_INFO[r.kind];
  if (r.kind === 'policy') return `Policy '${policyId}'`;
  const where = r.pointer.slice(1).join("' / '");
  return `The ${info.label} '${where}' of Policy '${policyId}'`;
}
