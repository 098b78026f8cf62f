/**
 * @module The state of one twin as the write path keeps it, and the events that change it.
 * `evolve` is pure: replaying a twin's journal through it rebuilds any historical revision.
 */
import { applyMergePatch } from './merge-patch.js';
import { deleteAt, parsePointer, setAt, wrapAt } from './json-pointer.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

export interface ThingState {
  readonly thingId: string;
  readonly revision: number;
  /** ISO-8601 timestamps of the first creation and the last change. */
  readonly created: string;
  readonly modified: string;
  /** A deleted twin keeps its revision counter so that a re-creation continues it (as Ditto does). */
  readonly deleted: boolean;
  /** The Thing JSON: thingId, policyId, definition?, attributes?, features?. */
  readonly thing: JsonObject;
  readonly metadata?: JsonObject;
}

export const THING_EVENT_ACTIONS = ['created', 'modified', 'deleted', 'merged'] as const;
export type ThingEventAction = (typeof THING_EVENT_ACTIONS)[number];

export interface ThingEvent {
  /** Ditto's event type, e.g. `things.events:featurePropertyModified`. */
  readonly type: string;
  readonly action: ThingEventAction;
  readonly thingId: string;
  /** JSON pointer of the changed resource inside the Thing ("/" for the whole Thing). */
  readonly path: string;
  /** The written value; the patch for merges; absent for deletions. */
  readonly value?: JsonValue;
  readonly revision: number;
  readonly timestamp: string;
  /** The complete metadata tree after the event, when the event changed it (null = none left). */
  readonly metadata?: JsonObject | null;
}

/** Applies one event to a state (undefined = twin never existed). */
export function evolveThing(state: ThingState | undefined, event: ThingEvent): ThingState {
  const pointer = parsePointer(event.path) ?? [];
  const base = state && !state.deleted ? state.thing : {};
  let thing: JsonObject;
  let deleted = false;
  switch (event.action) {
    case 'created':
    case 'modified':
      thing =
        pointer.length === 0 ? (event.value as JsonObject) : setAt(base, pointer, event.value as JsonValue);
      break;
    case 'deleted':
      if (pointer.length === 0) {
        thing = {};
        deleted = true;
      } else thing = deleteAt(base, pointer);
      break;
    case 'merged': {
      const merged = applyMergePatch(base, wrapAt(pointer, event.value as JsonValue));
      thing = isJsonObject(merged) ? merged : {};
      break;
    }
  }
  const created = !state || state.deleted ? event.timestamp : state.created;
  const metadata = event.metadata === undefined ? (deleted ? undefined : state?.metadata) : event.metadata;
  const next: ThingState = {
    thingId: event.thingId,
    revision: event.revision,
    created,
    modified: event.timestamp,
    deleted,
    thing: deleted ? {} : { ...thing, thingId: event.thingId },
    ...(metadata && !deleted ? { metadata } : {}),
  };
  return next;
}

/** The protocol action of a Ditto event type name (`attributeModified` -> `modified`). */
export function actionOfEventType(type: string): ThingEventAction {
  for (const a of THING_EVENT_ACTIONS) if (type.toLowerCase().endsWith(a)) return a;
  return 'modified';
}
