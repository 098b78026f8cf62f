/**
 * @module decide(state, command) for Policies: pure. Every change is validated as a whole Policy
 * (structure, imports, size) and must keep someone able to WRITE `policy:/` (lock-out prevention:
 * Ditto refuses such a change whatever the headers); a new Policy must give its creator WRITE on
 * `policy:/` unless `allow-policy-lockout` is set.
 */
import {
  DittoError,
  PolicyImportError,
  deleteAt,
  evolvePolicy,
  getAt,
  grantsPolicyWrite,
  hashEtag,
  hasPolicyWriter,
  isJsonObject,
  jsonEqual,
  policyPath,
  revisionEtag,
  selectFields,
  setAt,
  utf8Length,
  validatePolicy,
  type JsonObject,
  type JsonValue,
  type PolicyEvent,
  type PolicyJson,
  type PolicyState,
  type Pointer,
} from '@egiz/core';
import { checkEtagPreconditions } from '../things/preconditions.js';
import { POLICY_RESOURCE_INFO, describePolicyResource, type PolicyResource } from './policy-resource.js';

/** `policy-view` of a retrieve of the whole Policy: as stored, or the effective (merged) Policy. */
export type PolicyView = 'original' | 'resolved';

export interface PolicyCommand {
  readonly type: 'retrieve' | 'modify' | 'delete';
  readonly policyId: string;
  readonly resource: PolicyResource;
  readonly value?: JsonValue;
  readonly options: {
    readonly ifMatch?: '*' | readonly string[];
    readonly ifNoneMatch?: '*' | readonly string[];
    readonly ifEqual?: 'update' | 'skip' | 'skip-minimizing-merge';
    readonly allowPolicyLockout?: boolean;
    readonly fields?: readonly Pointer[];
    /** Only looked at for a retrieve of the whole Policy. */
    readonly policyView?: PolicyView;
  };
}

export interface PolicyDecideContext {
  readonly now: string;
  readonly maxPolicyBytes: number;
  /** The caller's subjects (the creator must keep WRITE on policy:/). */
  readonly subjects: readonly string[];
  /** The Policy with its imports resolved (imports loaded by the caller); throws PolicyImportError. */
  readonly resolve: (policy: PolicyJson) => PolicyJson;
  /** Cuts the Policy down to what the caller may READ; identity when absent. */
  readonly readable?: (policy: JsonObject) => JsonObject | undefined;
  /**
   * For `policy-view=resolved`: the Policy with the imported and namespace root entries merged in,
   * each already cut to what the caller may READ in the policies its content comes from. `readable`
   * is applied on top of it as on the stored Policy.
   */
  readonly resolved?: JsonObject;
}

export type PolicyDecision =
  /** No etag for the resolved view: the Policy's revision does not follow its imported policies. */
  | { readonly kind: 'query'; readonly status: 200; readonly value: JsonValue; readonly etag?: string }
  | {
      readonly kind: 'change';
      readonly status: 201 | 204;
      readonly value?: JsonValue;
      readonly etag: string;
      readonly events: readonly PolicyEvent[];
      readonly next: PolicyState;
    };

function live(state: PolicyState | undefined): state is PolicyState {
  return state !== undefined && !state.deleted;
}

function notFound(r: PolicyResource, policyId: string): DittoError {
  const info = POLICY_RESOURCE_INFO[r.kind];
  return new DittoError(
    info.notFound,
    `${describePolicyResource(r, policyId)} does not exist or you may not read it.`,
  );
}

function etagOf(r: PolicyResource, state: PolicyState, value: JsonValue | undefined): string | undefined {
  if (r.kind === 'policy') return revisionEtag(state.revision);
  return value === undefined ? undefined : hashEtag(value);
}

/** The parent a sub-resource needs: its entry or its import. */
function requireParent(r: PolicyResource, policy: JsonObject, policyId: string): void {
  const [top, key] = r.pointer;
  if (r.pointer.length <= 2 || key === undefined) return;
  if (getAt(policy, [top as string, key]) === undefined)
    throw notFound(
      top === 'entries'
        ? { kind: 'entry', pointer: ['entries', key] }
        : { kind: 'import', pointer: ['imports', key] },
      policyId,
    );
}

function validateWhole(policy: JsonObject, ctx: PolicyDecideContext): PolicyJson {
  const issues = validatePolicy(policy);
  const first = issues[0];
  if (first) throw new DittoError(first.code, `${first.message}${first.path ? ` (at ${first.path})` : ''}`);
  const bytes = utf8Length(JSON.stringify(policy));
  if (bytes > ctx.maxPolicyBytes)
    throw new DittoError(
      'policies:policy.toolarge',
      `The Policy has ${(bytes / 1024).toFixed(2)} kB; at most ${(ctx.maxPolicyBytes / 1024).toFixed(0)} kB are allowed.`,
    );
  try {
    return ctx.resolve(policy as unknown as PolicyJson);
  } catch (e) {
    if (e instanceof PolicyImportError) throw new DittoError(e.code, e.message);
    throw e;
  }
}

function event(
  state: PolicyState | undefined,
  cmd: PolicyCommand,
  ctx: PolicyDecideContext,
  suffix: 'Created' | 'Modified' | 'Deleted',
  value: JsonValue | undefined,
): { event: PolicyEvent; next: PolicyState } {
  const info = POLICY_RESOURCE_INFO[cmd.resource.kind];
  const e: PolicyEvent = {
    type: `policies.events:${info.event}${suffix}`,
    action: suffix === 'Created' ? 'created' : suffix === 'Modified' ? 'modified' : 'deleted',
    policyId: cmd.policyId,
    pointer: cmd.resource.pointer,
    path: policyPath(cmd.resource.pointer),
    ...(value !== undefined ? { value } : {}),
    revision: (state?.revision ?? 0) + 1,
    timestamp: ctx.now,
  };
  return { event: e, next: evolvePolicy(state, e) };
}

export function decidePolicy(
  state: PolicyState | undefined,
  cmd: PolicyCommand,
  ctx: PolicyDecideContext,
): PolicyDecision {
  const r = cmd.resource;
  if (cmd.type === 'retrieve') {
    if (!live(state)) throw notFound({ kind: 'policy', pointer: [] }, cmd.policyId);
    if (r.kind === 'policy' && cmd.options.policyView === 'resolved') return resolvedQuery(cmd, ctx);
    const view = ctx.readable ? ctx.readable(state.policy) : state.policy;
    if (view === undefined) throw notFound({ kind: 'policy', pointer: [] }, cmd.policyId);
    requireParent(r, view, cmd.policyId);
    const raw = r.kind === 'policy' ? view : getAt(view, r.pointer);
    if (raw === undefined) throw notFound(r, cmd.policyId);
    const etag = etagOf(r, state, raw) as string;
    checkEtagPreconditions(cmd.options, etag, true, 'policies');
    const value = cmd.options.fields && isJsonObject(raw) ? selectFields(raw, cmd.options.fields) : raw;
    return { kind: 'query', status: 200, value, etag };
  }

  if (r.kind === 'policy' && cmd.type === 'modify') {
    checkEtagPreconditions(
      cmd.options,
      live(state) ? revisionEtag(state.revision) : undefined,
      false,
      'policies',
    );
    if (!isJsonObject(cmd.value))
      throw new DittoError('policies:policy.invalid', 'A Policy must be a JSON object.');
    if (cmd.value.policyId !== undefined && cmd.value.policyId !== cmd.policyId)
      throw new DittoError(
        'policies:id.notsettable',
        'The Policy ID in the body differs from the one in the URL.',
      );
    const body: JsonObject = { ...cmd.value, policyId: cmd.policyId };
    const resolved = validateWhole(body, ctx);
    if (!live(state)) {
      if (!cmd.options.allowPolicyLockout && !grantsPolicyWrite(resolved, ctx.subjects))
        throw new DittoError(
          'policies:policy.notcreatable',
          `Policy '${cmd.policyId}' was not created: it would not give you WRITE on policy:/ (send allow-policy-lockout=true to create it anyway).`,
        );
      const { event: e, next } = event(state, cmd, ctx, 'Created', body);
      return {
        kind: 'change',
        status: 201,
        value: next.policy,
        etag: revisionEtag(next.revision),
        events: [e],
        next,
      };
    }
    if (!hasPolicyWriter(resolved))
      throw new DittoError(
        'policies:policy.modificationinvalid',
        `The change would leave no subject with WRITE on policy:/ of Policy '${cmd.policyId}'.`,
      );
    if (cmd.options.ifEqual === 'skip' && jsonEqual(body, state.policy)) skip();
    const { event: e, next } = event(state, cmd, ctx, 'Modified', body);
    return { kind: 'change', status: 204, etag: revisionEtag(next.revision), events: [e], next };
  }

  if (!live(state)) throw notFound({ kind: 'policy', pointer: [] }, cmd.policyId);
  if (r.kind === 'policy') {
    checkEtagPreconditions(cmd.options, revisionEtag(state.revision), false, 'policies');
    const { event: e, next } = event(state, cmd, ctx, 'Deleted', undefined);
    return { kind: 'change', status: 204, etag: revisionEtag(next.revision), events: [e], next };
  }
  requireParent(r, state.policy, cmd.policyId);
  const current = getAt(state.policy, r.pointer);
  checkEtagPreconditions(cmd.options, etagOf(r, state, current), false, 'policies');
  let candidate: JsonObject;
  if (cmd.type === 'delete') {
    if (!POLICY_RESOURCE_INFO[r.kind].deletable)
      throw new DittoError(
        'gateway:method.notallowed',
        `The ${POLICY_RESOURCE_INFO[r.kind].label} of a Policy cannot be deleted; replace them instead.`,
      );
    if (current === undefined) throw notFound(r, cmd.policyId);
    candidate = deleteAt(state.policy, r.pointer);
  } else {
    if (cmd.value === undefined) throw new DittoError('json.invalid', 'The request needs a JSON body.');
    if (cmd.options.ifEqual === 'skip' && current !== undefined && jsonEqual(current, cmd.value)) skip();
    candidate = setAt(state.policy, r.pointer, cmd.value);
  }
  const resolved = validateWhole(candidate, ctx);
  if (!hasPolicyWriter(resolved))
    throw new DittoError(
      r.pointer[0] === 'entries' && r.pointer.length > 1
        ? 'policies:entry.modificationinvalid'
        : 'policies:policy.modificationinvalid',
      `The change would leave no subject with WRITE on policy:/ of Policy '${cmd.policyId}'.`,
    );
  const suffix = cmd.type === 'delete' ? 'Deleted' : current === undefined ? 'Created' : 'Modified';
  const { event: e, next } = event(state, cmd, ctx, suffix, cmd.type === 'delete' ? undefined : cmd.value);
  const etag = cmd.type === 'delete' ? revisionEtag(next.revision) : hashEtag(cmd.value as JsonValue);
  return suffix === 'Created'
    ? { kind: 'change', status: 201, value: cmd.value as JsonValue, etag, events: [e], next }
    : { kind: 'change', status: 204, etag, events: [e], next };
}

/**
 * Ditto's effective policy view: no ETag and If-Match / If-None-Match ignored, because the Policy's
 * revision does not move when an imported or namespace root policy changes; `fields` apply.
 */
function resolvedQuery(cmd: PolicyCommand, ctx: PolicyDecideContext): PolicyDecision {
  if (ctx.resolved === undefined) throw new Error('policy-view=resolved without the resolved Policy');
  const view = ctx.readable ? ctx.readable(ctx.resolved) : ctx.resolved;
  if (view === undefined) throw notFound({ kind: 'policy', pointer: [] }, cmd.policyId);
  const value = cmd.options.fields ? selectFields(view, cmd.options.fields) : view;
  return { kind: 'query', status: 200, value };
}

function skip(): never {
  throw new DittoError(
    'policies:precondition.failed',
    "Precondition 'if-equal' failed: the resource already has exactly this value, so nothing was changed.",
  );
}
