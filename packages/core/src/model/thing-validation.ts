/**
 * @module Validation of values written to Thing resources, with Ditto's error codes.
 * Unknown top-level fields of a Thing are dropped as Ditto does; wrong types are refused.
 */
import { DittoError } from '../protocol/ditto-error.js';
import { parseEntityId } from './entity-id.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import type { ThingResource } from './thing-resource.js';

const DEFINITION_ID = /^[_a-zA-Z0-9\-.]+:[_a-zA-Z0-9\-.]+:[_a-zA-Z0-9\-.]+$/;
// eslint-disable-next-line no-control-regex
const BAD_KEY = /[/\x00-\x1F\x7F]/;

export function isDefinitionIdentifier(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) return false;
  if (DEFINITION_ID.test(value)) return true;
  return /^https?:\/\/[^\s]+$/.test(value);
}

function invalid(message: string): DittoError {
  return new DittoError('things:thing.invalid', message);
}

function checkKeys(value: JsonValue, where: string): void {
  if (Array.isArray(value)) {
    for (const v of value) checkKeys(v, where);
    return;
  }
  if (!isJsonObject(value)) return;
  for (const key of Object.keys(value)) {
    if (key.length === 0 || BAD_KEY.test(key))
      throw new DittoError('things:attribute.pointerinvalid', `The key '${key}' in ${where} is not valid.`);
    checkKeys(value[key] as JsonValue, where);
  }
}

function checkPolicyId(value: JsonValue): string {
  if (typeof value !== 'string' || !parseEntityId(value))
    throw new DittoError('policies:id.invalid', `Policy ID ${JSON.stringify(value)} is not valid!`);
  return value;
}

function checkThingDefinition(value: JsonValue): void {
  if (value !== null && !isDefinitionIdentifier(value))
    throw new DittoError(
      'things:definition.identifier.invalid',
      `Definition identifier <${JSON.stringify(value)}> is invalid!`,
    );
}

function checkFeatureDefinition(value: JsonValue): void {
  if (!Array.isArray(value)) throw invalid('A Feature definition must be an array of identifiers.');
  if (value.length === 0)
    throw new DittoError('things:feature.definition.empty', 'Feature Definition must not be empty!');
  for (const id of value)
    if (!isDefinitionIdentifier(id))
      throw new DittoError(
        'things:definition.identifier.invalid',
        `Definition identifier <${JSON.stringify(id)}> is invalid!`,
      );
}

function checkObject(value: JsonValue, what: string): JsonObject {
  if (!isJsonObject(value)) throw invalid(`The ${what} must be a JSON object.`);
  return value;
}

function checkFeature(value: JsonValue, featureId: string): void {
  if (value === null) return;
  const f = checkObject(value, `Feature '${featureId}'`);
  if (f.definition !== undefined) checkFeatureDefinition(f.definition);
  if (f.properties !== undefined) checkKeys(checkObject(f.properties, 'properties'), 'properties');
  if (f.desiredProperties !== undefined)
    checkKeys(checkObject(f.desiredProperties, 'desiredProperties'), 'desiredProperties');
}

function checkFeatureId(id: string): void {
  if (id.length === 0 || BAD_KEY.test(id))
    throw new DittoError('things:attribute.pointerinvalid', `The Feature ID '${id}' is not valid.`);
}

function checkFeatures(value: JsonValue): void {
  const features = checkObject(value, 'features');
  for (const id of Object.keys(features)) {
    checkFeatureId(id);
    checkFeature(features[id] as JsonValue, id);
  }
}

const THING_FIELDS = ['thingId', 'policyId', 'definition', 'attributes', 'features'] as const;

/**
 * Validates a whole Thing JSON and returns it reduced to the fields a Thing has (plus the creation-only
 * `_policy` / `_copyPolicyFrom` which the caller strips). `thingId`, if present, must equal expectedId.
 */
export function validateThingJson(value: JsonValue, expectedId: string): JsonObject {
  const thing = checkObject(value, 'Thing');
  if (thing.thingId !== undefined && thing.thingId !== expectedId)
    throw new DittoError(
      'things:id.notsettable',
      `The Thing ID in the request body is not equal to the Thing ID in the request URL.`,
    );
  const out: JsonObject = {};
  for (const f of THING_FIELDS) if (thing[f] !== undefined) out[f] = thing[f];
  if (out.policyId !== undefined) checkPolicyId(out.policyId);
  if (out.definition !== undefined) checkThingDefinition(out.definition);
  if (out.attributes !== undefined) checkKeys(checkObject(out.attributes, 'attributes'), 'attributes');
  if (out.features !== undefined) checkFeatures(out.features);
  return out;
}

/** Validates a value written (PUT) to a resource below the Thing root. */
export function validateResourceValue(resource: ThingResource, value: JsonValue): void {
  switch (resource.kind) {
    case 'thing':
      return;
    case 'policyId':
      checkPolicyId(value);
      return;
    case 'definition':
      checkThingDefinition(value);
      return;
    case 'attributes':
      checkKeys(checkObject(value, 'attributes'), 'attributes');
      return;
    case 'attribute':
    case 'featureProperty':
    case 'featureDesiredProperty':
      for (const k of resource.subPointer ?? []) if (BAD_KEY.test(k)) checkKeys({ [k]: null }, 'the path');
      checkKeys(value, resource.kind === 'attribute' ? 'attributes' : 'properties');
      return;
    case 'features':
      checkFeatures(value);
      return;
    case 'feature':
      checkFeatureId(resource.featureId ?? '');
      checkFeature(value, resource.featureId ?? '');
      return;
    case 'featureDefinition':
      checkFeatureDefinition(value);
      return;
    case 'featureProperties':
    case 'featureDesiredProperties':
      checkKeys(
        checkObject(value, resource.kind === 'featureProperties' ? 'properties' : 'desiredProperties'),
        'properties',
      );
      return;
  }
}
