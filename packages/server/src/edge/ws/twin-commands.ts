/**
 * @module Twin commands that arrive as Ditto Protocol signals (WebSocket): thing commands at every
 * path, RetrieveThings, migrateDefinition and policy commands, mapped to the same ThingService /
 * PolicyService calls as the HTTP routes, with the same header semantics (conditions, metadata,
 * historical reads, fields). Returns the outcome; the session turns it into an envelope.
 */
import {
  DittoError,
  headerText,
  type JsonObject,
  type JsonValue,
  type PolicyCommandSignal,
  type RetrieveThingsSignal,
  type ThingCommandSignal,
} from '@egiz/core';
import type { AuthContext } from '../../dispatch/auth-context.js';
import type { PolicyService } from '../../dispatch/policy-service.js';
import type { ThingService } from '../../dispatch/thing-service.js';
import type { PolicyCommand } from '../../policies/decide.js';
import { resolvePolicyResource } from '../../policies/policy-resource.js';
import type { ThingCommand } from '../../things/command.js';
import { parseMigrationRequest } from '../../things/migrate-definition.js';
import { parseBooleanHeader, parseCommandOptions, parsePolicyView } from '../command-options.js';

export interface TwinOutcome {
  readonly status: number;
  readonly value?: JsonValue;
  /** Response headers besides the correlation-id (etag, ditto-metadata). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface TwinContext {
  readonly things: ThingService;
  readonly policies: PolicyService;
  readonly auth: AuthContext;
  /** Session id: the events of this command are not echoed to it. */
  readonly origin: string;
  /** Headers to put on the events of this command (correlation-id, requested-acks, originator). */
  readonly eventHeaders: Readonly<Record<string, string>>;
}

const MAX_IDS = 200;

function historical(
  signal: { readonly headers: ThingCommandSignal['headers'] },
  retrieve: boolean,
): { revision?: number; timestamp?: string } | undefined {
  const rev = headerText(signal.headers, 'at-historical-revision');
  const ts = headerText(signal.headers, 'at-historical-timestamp');
  if (rev === undefined && ts === undefined) return undefined;
  if (!retrieve)
    throw new DittoError('gateway:header.invalid', 'Historical reads are only possible with retrieve.');
  if (rev !== undefined) {
    const n = Number(rev);
    if (!Number.isInteger(n) || n < 1)
      throw new DittoError(
        'gateway:header.invalid',
        `The value '${rev}' of 'at-historical-revision' is not a positive integer.`,
      );
    return { revision: n };
  }
  const t = Date.parse(ts ?? '');
  if (Number.isNaN(t))
    throw new DittoError(
      'gateway:header.invalid',
      `The value '${ts ?? ''}' of 'at-historical-timestamp' is not an ISO-8601 timestamp.`,
    );
  return { timestamp: new Date(t).toISOString() };
}

export async function runThingCommand(s: ThingCommandSignal, ctx: TwinContext): Promise<TwinOutcome> {
  const get = (name: string) => headerText(s.headers, name);
  if (s.action === 'migrate') {
    const dryRun = parseBooleanHeader('dry-run', get('dry-run')) === true;
    const result = await ctx.things.migrateDefinition(
      s.thingId,
      parseMigrationRequest(s.value),
      ctx.auth,
      dryRun,
    );
    return { status: dryRun ? 202 : 200, value: result as unknown as JsonObject, headers: {} };
  }
  const cmd: ThingCommand = {
    type: s.action,
    thingId: s.thingId,
    resource: s.resource,
    ...(s.value !== undefined ? { value: s.value } : {}),
    options: parseCommandOptions(get, s.fields),
  };
  const past = historical(s, s.action === 'retrieve');
  const decision = await ctx.things.execute(cmd, ctx.auth, {
    origin: ctx.origin,
    ...(past ? { historical: past } : {}),
    headers: ctx.eventHeaders,
  });
  const headers: Record<string, string> = { etag: decision.etag };
  if (decision.kind === 'query') {
    if (decision.metadata) headers['ditto-metadata'] = JSON.stringify(decision.metadata);
    return { status: 200, value: decision.value, headers };
  }
  return {
    status: decision.status,
    ...(decision.status === 201 && decision.value !== undefined ? { value: decision.value } : {}),
    headers,
  };
}

export async function runRetrieveThings(s: RetrieveThingsSignal, ctx: TwinContext): Promise<TwinOutcome> {
  if (s.thingIds.length > MAX_IDS)
    throw new DittoError('gateway:header.invalid', `At most ${MAX_IDS} ids can be retrieved at once.`);
  const options = parseCommandOptions(() => undefined, s.fields);
  const out: JsonValue[] = [];
  for (const thingId of s.thingIds) {
    if (s.namespace !== undefined && !thingId.startsWith(`${s.namespace}:`)) continue;
    try {
      const d = await ctx.things.execute(
        { type: 'retrieve', thingId, resource: { kind: 'thing', pointer: [] }, options },
        ctx.auth,
      );
      if (d.kind === 'query') out.push(d.value);
    } catch (e) {
      if (!(e instanceof DittoError) || e.status !== 404) throw e;
    }
  }
  return { status: 200, value: out, headers: {} };
}

export async function runPolicyCommand(s: PolicyCommandSignal, ctx: TwinContext): Promise<TwinOutcome> {
  const resource = resolvePolicyResource(s.segments);
  if (!resource)
    throw new DittoError(
      'protocoladapter:unknown.path',
      `The path '${s.path}' does not address a resource of a Policy.`,
    );
  const opts = parseCommandOptions((name) => headerText(s.headers, name), s.fields);
  const type: PolicyCommand['type'] = s.action === 'create' ? 'modify' : s.action;
  // As over HTTP: the `policy-view` header counts only for a retrieve of the whole Policy.
  const policyView =
    type === 'retrieve' && resource.kind === 'policy'
      ? parsePolicyView(headerText(s.headers, 'policy-view'))
      : undefined;
  const cmd: PolicyCommand = {
    type,
    policyId: s.policyId,
    resource,
    ...(s.value !== undefined ? { value: s.value } : {}),
    options: {
      ...(opts.ifMatch !== undefined ? { ifMatch: opts.ifMatch } : {}),
      ...(s.action === 'create'
        ? { ifNoneMatch: '*' as const }
        : opts.ifNoneMatch !== undefined
          ? { ifNoneMatch: opts.ifNoneMatch }
          : {}),
      ...(opts.ifEqual !== undefined ? { ifEqual: opts.ifEqual } : {}),
      ...(opts.fields !== undefined ? { fields: opts.fields } : {}),
      ...(opts.allowPolicyLockout !== undefined ? { allowPolicyLockout: opts.allowPolicyLockout } : {}),
      ...(policyView !== undefined ? { policyView } : {}),
    },
  };
  let decision;
  try {
    decision = await ctx.policies.execute(cmd, ctx.auth, historical(s, s.action === 'retrieve'));
  } catch (e) {
    // CreatePolicy on an existing Policy is a conflict, not a failed If-None-Match.
    if (s.action === 'create' && e instanceof DittoError && e.code === 'policies:precondition.failed')
      throw new DittoError('policies:policy.conflict', `A Policy with ID '${s.policyId}' exists already.`);
    throw e;
  }
  const headers: Record<string, string> = decision.etag !== undefined ? { etag: decision.etag } : {};
  if (decision.kind === 'query') return { status: 200, value: decision.value, headers };
  return {
    status: decision.status,
    ...(decision.status === 201 && decision.value !== undefined ? { value: decision.value } : {}),
    headers,
  };
}
