/**
 * @module decide(state, command) for Things: pure, no I/O and no clock reads (time comes in the
 * context). Returns the answer of a query, or the events of a change with the state after them;
 * refuses with a DittoError. The dispatcher persists the events; nothing here does.
 */
import {
  DittoError,
  THING_RESOURCE_INFO,
  applyMergePatch,
  describeResource,
  evolveThing,
  formatPointer,
  getAt,
  hashEtag,
  invalidRegexKey,
  isJsonObject,
  jsonText,
  jsonEqual,
  minimizeMergePatch,
  revisionEtag,
  selectFields,
  utf8Length,
  utf8LengthExceeds,
  validateResourceValue,
  validateThingJson,
  wrapAt,
  type JsonObject,
  type JsonValue,
  type ThingEvent,
  type ThingEventAction,
  type ThingResource,
  type ThingState,
} from '@egiz/core';
import type { ThingCommand } from './command.js';
import { deleteMetadata, putMetadata, pruneMetadata, readMetadata } from './metadata.js';
import { checkCondition, checkEtagPreconditions } from './preconditions.js';
import { plainThing, projectValue, thingWithSpecialFields } from './projection.js';

export interface DecideContext {
  /** ISO-8601 time of this command, used for the event timestamp. */
  readonly now: string;
  /** Clock for RQL's time:now placeholders. */
  readonly clock: () => Date;
  readonly maxThingBytes: number;
  /** Cuts the Thing down to what the caller may READ; identity when absent. */
  readonly readable?: (thing: JsonObject) => JsonObject;
  /** The Thing's policy, for `fields=_policy`. */
  readonly policy?: JsonObject;
}

export interface QueryDecision {
  readonly kind: 'query';
  readonly status: 200;
  readonly value: JsonValue;
  readonly etag: string;
  readonly metadata?: JsonObject;
}

export interface ChangeDecision {
  readonly kind: 'change';
  readonly status: 201 | 204;
  /** Body of a 201. */
  readonly value?: JsonValue;
  readonly etag: string;
  readonly events: readonly ThingEvent[];
  readonly next: ThingState;
}

export type Decision = QueryDecision | ChangeDecision;

function exists(state: ThingState | undefined): state is ThingState {
  return state !== undefined && !state.deleted;
}

function notFound(r: ThingResource, thingId: string): DittoError {
  const info = THING_RESOURCE_INFO[r.kind];
  const what = describeResource(r, thingId);
  return new DittoError(
    info.notFound,
    r.kind === 'thing'
      ? `The Thing '${thingId}' does not exist or you may not read it.`
      : `${what} does not exist or you may not read it.`,
  );
}

function etagOf(r: ThingResource, state: ThingState, value: JsonValue | undefined): string | undefined {
  if (r.kind === 'thing') return exists(state) ? revisionEtag(state.revision) : undefined;
  return value === undefined ? undefined : hashEtag(value);
}

/** Feature sub-resources need their feature: Ditto answers feature.notfound first. */
function requireFeature(r: ThingResource, thing: JsonObject, thingId: string): void {
  if (r.featureId === undefined || r.kind === 'feature') return;
  if (getAt(thing, ['features', r.featureId]) === undefined)
    throw notFound({ kind: 'feature', pointer: ['features', r.featureId], featureId: r.featureId }, thingId);
}

export function decideThing(state: ThingState | undefined, cmd: ThingCommand, ctx: DecideContext): Decision {
  switch (cmd.type) {
    case 'retrieve':
      return retrieve(state, cmd, ctx);
    case 'create':
      if (exists(state))
        throw new DittoError('things:thing.conflict', `The Thing with ID '${cmd.thingId}' already exists`);
      return create(state, cmd, ctx);
    case 'modify':
      return modify(state, cmd, ctx);
    case 'merge':
      return merge(state, cmd, ctx);
    case 'delete':
      return remove(state, cmd, ctx);
  }
}

function retrieve(state: ThingState | undefined, cmd: ThingCommand, ctx: DecideContext): QueryDecision {
  const r = cmd.resource;
  if (!exists(state)) throw notFound({ kind: 'thing', pointer: [] }, cmd.thingId);
  const view = ctx.readable ? ctx.readable(state.thing) : state.thing;
  requireFeature(r, view, cmd.thingId);
  const raw = r.kind === 'thing' ? plainThing(view) : getAt(view, r.pointer);
  if (raw === undefined) throw notFound(r, cmd.thingId);
  const etag = etagOf(r, state, raw) as string;
  checkEtagPreconditions(cmd.options, etag, true);
  checkCondition(cmd.options, () => thingWithSpecialFields(state, view), ctx.clock);
  let value: JsonValue;
  if (r.kind === 'thing' && cmd.options.fields)
    value = selectFields(thingWithSpecialFields(state, view, ctx.policy), cmd.options.fields);
  else value = projectValue(raw, cmd.options.fields);
  const metadata = cmd.options.getMetadata
    ? readMetadata(state.metadata, cmd.options.getMetadata, r.pointer)
    : undefined;
  return { kind: 'query', status: 200, value, etag, ...(metadata ? { metadata } : {}) };
}

/** Conditions see only what the caller may read (Ditto: READ is needed on what a condition names). */
function conditionTarget(state: ThingState, ctx: DecideContext): JsonObject {
  return thingWithSpecialFields(state, ctx.readable ? ctx.readable(state.thing) : state.thing);
}

function checkSize(thing: JsonObject, ctx: DecideContext): void {
  // jsonText: the store writes the same text, so the Thing is serialized once per write.
  const text = jsonText(thing);
  if (!utf8LengthExceeds(text, ctx.maxThingBytes)) return;
  const bytes = utf8Length(text);
  throw new DittoError(
    'things:thing.toolarge',
    `The size of '${(bytes / 1024).toFixed(2)}' kB exceeds the maximal allowed Thing size of '${(ctx.maxThingBytes / 1024).toFixed(0)}' kB.`,
  );
}

function checkMetadataHeaders(cmd: ThingCommand): void {
  if (cmd.options.putMetadata && cmd.options.deleteMetadata)
    throw new DittoError(
      'things:metadata.headersconflict',
      "The headers 'put-metadata' and 'delete-metadata' cannot be used together.",
    );
}

/** Builds the single event of a change, its next state, and applies metadata headers. */
function change(
  state: ThingState | undefined,
  cmd: ThingCommand,
  ctx: DecideContext,
  type: string,
  action: ThingEventAction,
  value: JsonValue | undefined,
  written: JsonValue | undefined,
): { event: ThingEvent; next: ThingState } {
  const revision = (state?.revision ?? 0) + 1;
  const draft: ThingEvent = {
    type: `things.events:${type}`,
    action,
    thingId: cmd.thingId,
    path: formatPointer(cmd.resource.pointer),
    ...(value !== undefined ? { value } : {}),
    revision,
    timestamp: ctx.now,
  };
  let next = evolveThing(state, draft);
  if (!next.deleted) checkSize(next.thing, ctx);
  const before = next.metadata ?? {};
  let metadata: JsonObject | undefined =
    action === 'deleted' ? pruneMetadata(state?.metadata, cmd.resource.pointer) : before;
  if (cmd.options.putMetadata && !next.deleted)
    metadata = putMetadata(
      metadata ?? {},
      cmd.options.putMetadata,
      cmd.resource.pointer,
      written,
      next.thing,
    );
  if (cmd.options.deleteMetadata && metadata)
    metadata = deleteMetadata(metadata, cmd.options.deleteMetadata, cmd.resource.pointer);
  const metadataChanged = !jsonEqual(metadata ?? {}, state && !state.deleted ? (state.metadata ?? {}) : {});
  const event: ThingEvent = metadataChanged ? { ...draft, metadata: metadata ?? null } : draft;
  if (metadataChanged) next = evolveThing(state, event);
  return { event, next };
}

function create(state: ThingState | undefined, cmd: ThingCommand, ctx: DecideContext): ChangeDecision {
  checkMetadataHeaders(cmd);
  const thing = validateThingJson(cmd.value ?? {}, cmd.thingId);
  if (typeof thing.policyId !== 'string')
    throw new DittoError('things:thing.invalid', 'A Thing needs a policyId when it is created.');
  const body = plainThing({ ...thing, thingId: cmd.thingId });
  const { event, next } = change(state, cmd, ctx, 'thingCreated', 'created', body, body);
  return {
    kind: 'change',
    status: 201,
    value: plainThing(next.thing),
    etag: revisionEtag(next.revision),
    events: [event],
    next,
  };
}

function skipIfEqual(cmd: ThingCommand, equal: boolean): void {
  if (equal && (cmd.options.ifEqual === 'skip' || cmd.options.ifEqual === 'skip-minimizing-merge'))
    throw new DittoError(
      'things:precondition.failed',
      "Precondition 'if-equal' failed: the resource already has exactly this value, so nothing was changed.",
    );
}

function modify(state: ThingState | undefined, cmd: ThingCommand, ctx: DecideContext): ChangeDecision {
  checkMetadataHeaders(cmd);
  const r = cmd.resource;
  const value = cmd.value as JsonValue;
  if (r.kind === 'thing') {
    checkEtagPreconditions(cmd.options, exists(state) ? revisionEtag(state.revision) : undefined, false);
    if (!exists(state)) return create(state, cmd, ctx);
    checkCondition(cmd.options, () => conditionTarget(state, ctx), ctx.clock);
    const thing = validateThingJson(value, cmd.thingId);
    const body = plainThing({
      ...thing,
      thingId: cmd.thingId,
      policyId: thing.policyId ?? (state.thing.policyId as JsonValue),
    });
    skipIfEqual(cmd, jsonEqual(body, plainThing(state.thing)));
    const { event, next } = change(state, cmd, ctx, 'thingModified', 'modified', body, body);
    return { kind: 'change', status: 204, etag: revisionEtag(next.revision), events: [event], next };
  }
  if (!exists(state)) throw notFound({ kind: 'thing', pointer: [] }, cmd.thingId);
  requireFeature(r, state.thing, cmd.thingId);
  const current = getAt(state.thing, r.pointer);
  checkEtagPreconditions(cmd.options, etagOf(r, state, current), false);
  checkCondition(cmd.options, () => conditionTarget(state, ctx), ctx.clock);
  validateResourceValue(r, value);
  skipIfEqual(cmd, current !== undefined && jsonEqual(current, value));
  const existed = current !== undefined;
  const info = THING_RESOURCE_INFO[r.kind];
  const { event, next } = change(
    state,
    cmd,
    ctx,
    `${info.event}${existed ? 'Modified' : 'Created'}`,
    existed ? 'modified' : 'created',
    value,
    value,
  );
  return {
    kind: 'change',
    status: existed ? 204 : 201,
    ...(existed ? {} : { value }),
    etag: hashEtag(value),
    events: [event],
    next,
  };
}

function merge(state: ThingState | undefined, cmd: ThingCommand, ctx: DecideContext): ChangeDecision {
  checkMetadataHeaders(cmd);
  const r = cmd.resource;
  const patch = cmd.value as JsonValue;
  const badKey = invalidRegexKey(patch);
  if (badKey !== undefined)
    throw new DittoError(
      'things:merge.invalid',
      `The regular expression in the key '${badKey}' is not valid.`,
    );
  if (r.kind === 'thing') {
    if (!isJsonObject(patch))
      throw new DittoError('things:merge.invalid', 'A merge patch of a Thing must be a JSON object.');
    checkEtagPreconditions(cmd.options, exists(state) ? revisionEtag(state.revision) : undefined, false);
    if (!exists(state)) {
      const initial = applyMergePatch({}, patch) as JsonObject;
      return create(state, { ...cmd, type: 'create', value: initial }, ctx);
    }
  } else if (!exists(state)) throw notFound({ kind: 'thing', pointer: [] }, cmd.thingId);
  const current = getAt(state.thing, r.pointer);
  if (r.kind !== 'thing') checkEtagPreconditions(cmd.options, etagOf(r, state, current), false);
  checkCondition(cmd.options, () => conditionTarget(state, ctx), ctx.clock);
  if (r.kind === 'policyId' && patch === null)
    throw new DittoError('things:policyId.notdeletable', 'The policy ID of a Thing cannot be deleted.');
  if (
    r.kind === 'thing' &&
    isJsonObject(patch) &&
    patch.thingId !== undefined &&
    patch.thingId !== cmd.thingId
  )
    throw new DittoError(
      'things:id.notsettable',
      'The Thing ID in the request body is not equal to the Thing ID in the request URL.',
    );
  let effective: JsonValue = patch;
  if (cmd.options.ifEqual === 'skip-minimizing-merge') {
    const minimized = minimizeMergePatch(state.thing, wrapAt(r.pointer, patch));
    skipIfEqual(cmd, minimized === undefined);
    effective = getAt(minimized, r.pointer) ?? patch;
  }
  const merged = applyMergePatch(state.thing, wrapAt(r.pointer, effective));
  if (!isJsonObject(merged))
    throw new DittoError('things:merge.invalid', 'The merge would delete the Thing.');
  skipIfEqual(cmd, jsonEqual(merged, state.thing));
  let validated: JsonObject;
  try {
    validated = validateThingJson({ ...merged, thingId: cmd.thingId }, cmd.thingId);
  } catch (e) {
    if (e instanceof DittoError)
      throw new DittoError(e.code, `The merge patch would make the Thing invalid: ${e.message}`);
    throw e;
  }
  if (typeof validated.policyId !== 'string')
    throw new DittoError('things:policyId.notdeletable', 'The policy ID of a Thing cannot be deleted.');
  const { event, next } = change(
    state,
    cmd,
    ctx,
    'thingMerged',
    'merged',
    effective,
    effective === null ? undefined : effective,
  );
  return {
    kind: 'change',
    status: 204,
    etag: etagOf(r, next, getAt(next.thing, r.pointer)) ?? revisionEtag(next.revision),
    events: [event],
    next,
  };
}

function remove(state: ThingState | undefined, cmd: ThingCommand, ctx: DecideContext): ChangeDecision {
  checkMetadataHeaders(cmd);
  const r = cmd.resource;
  if (!exists(state)) throw notFound({ kind: 'thing', pointer: [] }, cmd.thingId);
  if (r.kind === 'policyId')
    throw new DittoError('things:policyId.notdeletable', 'The policy ID of a Thing cannot be deleted.');
  requireFeature(r, state.thing, cmd.thingId);
  const current = r.kind === 'thing' ? plainThing(state.thing) : getAt(state.thing, r.pointer);
  if (current === undefined) throw notFound(r, cmd.thingId);
  checkEtagPreconditions(cmd.options, etagOf(r, state, current), false);
  checkCondition(cmd.options, () => conditionTarget(state, ctx), ctx.clock);
  const info = THING_RESOURCE_INFO[r.kind];
  const { event, next } = change(state, cmd, ctx, `${info.event}Deleted`, 'deleted', undefined, undefined);
  return { kind: 'change', status: 204, etag: revisionEtag(next.revision), events: [event], next };
}
