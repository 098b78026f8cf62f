/**
 * @module What a reader sees of a Thing: the plain Thing JSON, or with `fields=` the selected parts
 * including Ditto's special fields (_revision, _created, _modified, _metadata, _namespace, _policy).
 */
import {
  namespaceOf,
  selectFields,
  type JsonObject,
  type JsonValue,
  type Pointer,
  type ThingState,
} from '@egiz/core';

/** The Thing with every special field, the input of field selection and of RQL conditions. */
export function thingWithSpecialFields(
  state: ThingState,
  thing: JsonObject,
  policy?: JsonObject,
): JsonObject {
  const out: JsonObject = {
    ...thing,
    _namespace: namespaceOf(state.thingId),
    _revision: state.revision,
    _created: state.created,
    _modified: state.modified,
  };
  if (state.metadata) out._metadata = state.metadata;
  if (policy) out._policy = policy;
  return out;
}

const PLAIN_ORDER = ['thingId', 'policyId', 'definition', 'attributes', 'features'] as const;

/** The Thing JSON in Ditto's field order, without special fields. */
export function plainThing(thing: JsonObject): JsonObject {
  // The same state read again gives the same object, whose JSON text (jsonText) is then cached too:
  // a GET of an unchanged Thing by an unrestricted reader serializes nothing.
  let out = plainThings.get(thing);
  if (out !== undefined) return out;
  out = {};
  for (const k of PLAIN_ORDER) if (thing[k] !== undefined) out[k] = thing[k];
  plainThings.set(thing, out);
  return out;
}

/** Per Thing object (immutable, see jsonText): its plain projection. */
const plainThings = new WeakMap<JsonObject, JsonObject>();

export function projectValue(value: JsonValue, fields: readonly Pointer[] | undefined): JsonValue {
  if (fields === undefined || value === null || typeof value !== 'object' || Array.isArray(value))
    return value;
  return selectFields(value, fields);
}
