/**
 * @module Ditto's namespaced entity ids ("namespace:name") for things and policies.
 * Namespace: empty, or Java-package-like segments `[a-zA-Z]\w*` joined by '.' or '-'.
 * Name: one or more characters that are neither control characters (0x00-0x1F, 0x7F-0xFF) nor '/'.
 * The whole id is at most 256 characters.
 */

export const MAX_ENTITY_ID_LENGTH = 256;
const NAMESPACE = /^(?:|[a-zA-Z]\w*(?:[.-][a-zA-Z]\w*)*)$/;
// eslint-disable-next-line no-control-regex
const NAME = /^[^\x00-\x1F\x7F-\xFF/]+$/;

export interface EntityId {
  readonly namespace: string;
  readonly name: string;
}

export function parseEntityId(id: string): EntityId | undefined {
  if (id.length === 0 || id.length > MAX_ENTITY_ID_LENGTH) return undefined;
  const colon = id.indexOf(':');
  if (colon < 0) return undefined;
  const namespace = id.slice(0, colon);
  const name = id.slice(colon + 1);
  if (!NAMESPACE.test(namespace) || !NAME.test(name)) return undefined;
  return { namespace, name };
}

export function isValidNamespace(ns: string): boolean {
  return ns.length <= MAX_ENTITY_ID_LENGTH && NAMESPACE.test(ns);
}

export function namespaceOf(id: string): string {
  const colon = id.indexOf(':');
  return colon < 0 ? '' : id.slice(0, colon);
}
