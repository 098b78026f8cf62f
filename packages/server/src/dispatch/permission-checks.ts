/**
 * @module POST /api/2/checkPermissions: for each named check, whether the caller holds the listed
 * permissions (unrestricted) on a resource of a Thing (`thing:` / `message:`, entityId = thingId) or a
 * Policy (`policy:`, entityId = policyId). Unknown or unreadable entities answer false.
 */
import {
  DittoError,
  isJsonObject,
  isPermission,
  namespaceOf,
  type JsonValue,
  type Permission,
} from '@egiz/core';
import type { AuthContext } from './auth-context.js';
import type { PolicyEnforcers } from './policy-enforcers.js';
import type { ThingService } from './thing-service.js';

const MAX_CHECKS = 100;

export class PermissionChecks {
  readonly #things: ThingService;
  readonly #enforcers: PolicyEnforcers;

  constructor(things: ThingService, enforcers: PolicyEnforcers) {
    this.#things = things;
    this.#enforcers = enforcers;
  }

  async check(body: JsonValue, auth: AuthContext): Promise<Record<string, boolean>> {
    if (!isJsonObject(body))
      throw new DittoError('json.invalid', 'The body must be an object of named permission checks.');
    const entries = Object.entries(body);
    if (entries.length > MAX_CHECKS)
      throw new DittoError('gateway:header.invalid', `At most ${MAX_CHECKS} checks per request.`);
    const out: Record<string, boolean> = {};
    for (const [name, spec] of entries) {
      if (
        !isJsonObject(spec) ||
        typeof spec.resource !== 'string' ||
        typeof spec.entityId !== 'string' ||
        !Array.isArray(spec.hasPermissions)
      )
        throw new DittoError('json.invalid', `Check '${name}' needs resource, entityId and hasPermissions.`);
      const perms: Permission[] = spec.hasPermissions.filter(isPermission);
      if (perms.length !== spec.hasPermissions.length || perms.length === 0)
        throw new DittoError('json.invalid', `Check '${name}': hasPermissions lists READ, WRITE or EXECUTE.`);
      const m = /^(thing|policy|message):(\/.*)$/.exec(spec.resource);
      if (!m)
        throw new DittoError(
          'json.invalid',
          `Check '${name}': resource must look like 'thing:/path', 'policy:/path' or 'message:/path'.`,
        );
      const type = m[1] as 'thing' | 'policy' | 'message';
      out[name] = await this.#one(type, m[2] as string, spec.entityId, perms, auth);
    }
    return out;
  }

  async #one(
    type: 'thing' | 'policy' | 'message',
    path: string,
    entityId: string,
    perms: Permission[],
    auth: AuthContext,
  ): Promise<boolean> {
    let policyId: string | undefined = entityId;
    let namespace: string | undefined;
    if (type !== 'policy') {
      const thing = await this.#things.load(entityId);
      policyId =
        thing && !thing.deleted && typeof thing.thing.policyId === 'string'
          ? thing.thing.policyId
          : undefined;
      namespace = namespaceOf(entityId);
    }
    if (policyId === undefined) return false;
    const enforcer = await this.#enforcers.enforcer(policyId, namespace);
    return enforcer?.hasUnrestricted(type, path, auth.subjects, perms) ?? false;
  }
}
