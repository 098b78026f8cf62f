/** @module Policy engine: validate policies, resolve imports, compile an Enforcer, check permissions, cut views (also of the effective policy). */

export {
  ALLOWED_ADDITIONS,
  IMPORTABLE_TYPES,
  PERMISSIONS,
  RESOURCE_TYPES,
  isPermission,
  isResourceType,
  type AllowedAddition,
  type EntryReferenceJson,
  type ImportableType,
  type Permission,
  type PolicyEntryJson,
  type PolicyImportJson,
  type PolicyJson,
  type ResourcePermissionsJson,
  type ResourceType,
  type SubjectAnnouncementJson,
  type SubjectJson,
} from './types.js';
export { pathSegments, pathString, type ResourcePath } from './path.js';
export { entryAppliesToNamespace, isValidNamespacePattern, matchesNamespacePattern } from './namespaces.js';
export { DEFAULT_MAX_IMPORTS, validatePolicy, type ValidatePolicyOptions } from './validate.js';
export type { PolicyValidationCode, PolicyValidationIssue } from './validate-issues.js';
export {
  compileEnforcer,
  type CompileOptions,
  type Enforcer,
  type SubjectsWithPermission,
  type WriteMode,
} from './enforcer.js';
export { mergePatchLeaves } from './write-check.js';
export {
  MAX_TRANSITIVE_DEPTH,
  PolicyImportError,
  importedPolicyIds,
  resolveImports,
  resolveImportsTraced,
  type PolicyImportErrorCode,
  type ResolveImportsOptions,
} from './imports.js';
export { importedLabel, type EntrySource, type TracedEntry } from './references.js';
export { mergeNamespaceRootPolicy, nsImportedLabel } from './namespace-root.js';
export {
  readableEntries,
  sourcePolicyIds,
  traceEffectivePolicy,
  type NamespaceRootInput,
} from './effective-view.js';
export { grantsPolicyWrite, hasPolicyWriter } from './lockout.js';
