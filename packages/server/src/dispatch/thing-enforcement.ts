/**
 * @module Enforcement of Thing commands against the Thing's policy (Ditto's semantics): a caller
 * without READ anywhere on the Thing gets 404 (existence is never leaked); with READ but without the
 * needed WRITE, 403 with the resource's `*.notmodifiable` code. Reads are cut down to the readable
 * part of the Thing.
 */
import {
  DittoError,
  THING_RESOURCE_INFO,
  describeResource,
  formatPointer,
  type Enforcer,
  type JsonObject,
  type ThingResource,
} from '@egiz/core';
import type { ThingCommand } from '../things/command.js';

export function thingNotFound(thingId: string): DittoError {
  return new DittoError(
    'things:thing.notfound',
    `The Thing '${thingId}' does not exist or you may not read it.`,
  );
}

function resourceNotFound(r: ThingResource, thingId: string): DittoError {
  return new DittoError(
    THING_RESOURCE_INFO[r.kind].notFound,
    `${describeResource(r, thingId)} does not exist or you may not read it.`,
  );
}

/** Throws 404 unless the subjects may READ something of the Thing and of the resource. */
export function authorizeRead(
  enforcer: Enforcer | undefined,
  subjects: readonly string[],
  thingId: string,
  resource: ThingResource,
): asserts enforcer is Enforcer {
  if (!enforcer || !enforcer.hasPartial('thing', '/', subjects, ['READ'])) throw thingNotFound(thingId);
  if (resource.pointer.length > 0 && !enforcer.hasPartial('thing', resource.pointer, subjects, ['READ']))
    throw resourceNotFound(resource, thingId);
}

/** The view function of a reader: identity for unrestricted readers (the common, fast case). */
export function readableView(
  enforcer: Enforcer,
  subjects: readonly string[],
): ((thing: JsonObject) => JsonObject) | undefined {
  if (enforcer.hasUnrestricted('thing', '/', subjects, ['READ'])) return undefined;
  return (thing) => {
    const view = (enforcer.view('thing', subjects, thing) ?? {}) as JsonObject;
    // The id is not a secret of a Thing the caller may partially read (Ditto always shows it).
    return typeof thing.thingId === 'string' ? { thingId: thing.thingId, ...view } : view;
  };
}

/** Throws 404 / 403 unless the command may change the Thing as it asks. */
export function authorizeWrite(
  enforcer: Enforcer | undefined,
  subjects: readonly string[],
  cmd: ThingCommand,
): asserts enforcer is Enforcer {
  if (!enforcer || !enforcer.hasPartial('thing', '/', subjects, ['READ'])) throw thingNotFound(cmd.thingId);
  const r = cmd.resource;
  const allowed =
    cmd.type === 'merge'
      ? enforcer.touchesOnlyWritable('thing', r.pointer, cmd.value ?? null, subjects, 'merge')
      : enforcer.hasUnrestricted('thing', r.pointer, subjects, ['WRITE']);
  if (!allowed)
    throw new DittoError(
      THING_RESOURCE_INFO[r.kind].notModifiable,
      `${describeResource(r, cmd.thingId)} cannot be changed: you lack WRITE permission on ${formatPointer(r.pointer) === '/' ? 'the Thing' : `thing:${formatPointer(r.pointer)}`} (or on part of what the change touches).`,
    );
}
