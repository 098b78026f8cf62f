/**
 * @module A found Thing as the caller sees it: the RQL target the filter is evaluated on (the Thing,
 * or the caller's view of it, with the special fields) and the item of the answer (the plain Thing,
 * or the selected `fields`), built like a GET of the Thing would.
 */
import { selectFields, type Enforcer, type JsonObject, type Pointer, type ThingState } from '@egiz/core';
import { plainThing, thingWithSpecialFields } from '../things/projection.js';
import type { ThingRow } from './sql/search-dialect.js';

function stateOf(row: ThingRow): ThingState {
  return {
    thingId: row.id,
    revision: row.revision,
    created: row.created,
    modified: row.modified,
    deleted: false,
    thing: row.value as JsonObject,
    ...(row.metadata ? { metadata: row.metadata as JsonObject } : {}),
  };
}

/** The readable part of a found Thing, with the special fields: what filters and `fields` see. */
export interface ReadableThing {
  readonly thing: JsonObject;
  readonly target: JsonObject;
}

/**
 * Everything, for a caller with unrestricted READ. The target is built on first use: a page without
 * `fields` filtered in SQL never needs it.
 */
export function wholeThing(row: ThingRow): ReadableThing {
  const state = stateOf(row);
  let target: JsonObject | undefined;
  return {
    thing: state.thing,
    get target() {
      target ??= thingWithSpecialFields(state, state.thing);
      return target;
    },
  };
}

/**
 * The caller's view (undefined when nothing is readable). As for GET, the id always shows; the
 * metadata is cut like the Thing, since its tree mirrors the Thing's.
 */
export function viewedThing(
  row: ThingRow,
  enforcer: Enforcer,
  subjects: readonly string[],
): ReadableThing | undefined {
  if (!enforcer.hasPartial('thing', '/', subjects, ['READ'])) return undefined;
  if (enforcer.hasUnrestricted('thing', '/', subjects, ['READ'])) return wholeThing(row);
  const state = stateOf(row);
  const view = enforcer.view('thing', subjects, state.thing);
  const thing: JsonObject = { thingId: row.id, ...((view as JsonObject | undefined) ?? {}) };
  const metadata = state.metadata
    ? (enforcer.view('thing', subjects, state.metadata) as JsonObject | undefined)
    : undefined;
  const { metadata: _dropped, ...rest } = state;
  const viewed: ThingState = { ...rest, thing, ...(metadata ? { metadata } : {}) };
  return { thing, target: thingWithSpecialFields(viewed, thing) };
}

export function itemOf(readable: ReadableThing, fields: readonly Pointer[] | undefined): JsonObject {
  return fields === undefined ? plainThing(readable.thing) : selectFields(readable.target, fields);
}
