/**
 * @module The resources of a Thing addressed by the HTTP API and the Ditto Protocol paths:
 * which kind a path names, how its events and errors are called, and which values it accepts.
 * A Thing path is also the JSON pointer of the resource inside the Thing JSON.
 */
import type { ErrorCode } from '../protocol/error-catalogue.js';
import type { Pointer } from './json-pointer.js';

export const THING_RESOURCE_KINDS = [
  'thing',
  'policyId',
  'definition',
  'attributes',
  'attribute',
  'features',
  'feature',
  'featureDefinition',
  'featureProperties',
  'featureProperty',
  'featureDesiredProperties',
  'featureDesiredProperty',
] as const;
export type ThingResourceKind = (typeof THING_RESOURCE_KINDS)[number];

export interface ThingResource {
  readonly kind: ThingResourceKind;
  /** JSON pointer of the resource inside the Thing JSON. */
  readonly pointer: Pointer;
  readonly featureId?: string;
  /** Pointer below attributes / properties / desiredProperties, for the leaf kinds. */
  readonly subPointer?: Pointer;
}

interface KindInfo {
  /** Prefix of Ditto's event names (`${event}Created`, `Modified`, `Deleted`). */
  readonly event: string;
  readonly notFound: ErrorCode;
  readonly notModifiable: ErrorCode;
  readonly label: string;
}

export const THING_RESOURCE_INFO: Readonly<Record<ThingResourceKind, KindInfo>> = {
  thing: {
    event: 'thing',
    notFound: 'things:thing.notfound',
    notModifiable: 'things:thing.notmodifiable',
    label: 'Thing',
  },
  policyId: {
    event: 'policyId',
    notFound: 'things:policyId.notfound',
    notModifiable: 'things:policyId.notmodifiable',
    label: 'policy ID',
  },
  definition: {
    event: 'thingDefinition',
    notFound: 'things:definition.notfound',
    notModifiable: 'things:definition.notmodifiable',
    label: 'definition',
  },
  attributes: {
    event: 'attributes',
    notFound: 'things:attributes.notfound',
    notModifiable: 'things:attributes.notmodifiable',
    label: 'attributes',
  },
  attribute: {
    event: 'attribute',
    notFound: 'things:attribute.notfound',
    notModifiable: 'things:attribute.notmodifiable',
    label: 'attribute',
  },
  features: {
    event: 'features',
    notFound: 'things:features.notfound',
    notModifiable: 'things:features.notmodifiable',
    label: 'features',
  },
  feature: {
    event: 'feature',
    notFound: 'things:feature.notfound',
    notModifiable: 'things:feature.notmodifiable',
    label: 'Feature',
  },
  featureDefinition: {
    event: 'featureDefinition',
    notFound: 'things:feature.definition.notfound',
    notModifiable: 'things:feature.definition.notmodifiable',
    label: 'Feature definition',
  },
  featureProperties: {
    event: 'featureProperties',
    notFound: 'things:feature.properties.notfound',
    notModifiable: 'things:feature.properties.notmodifiable',
    label: 'Feature properties',
  },
  featureProperty: {
    event: 'featureProperty',
    notFound: 'things:feature.property.notfound',
    notModifiable: 'things:feature.property.notmodifiable',
    label: 'Feature property',
  },
  featureDesiredProperties: {
    event: 'featureDesiredProperties',
    notFound: 'things:feature.desiredProperties.notfound',
    notModifiable: 'things:feature.desiredProperties.notmodifiable',
    label: 'Feature desired properties',
  },
  featureDesiredProperty: {
    event: 'featureDesiredProperty',
    notFound: 'things:feature.desiredProperty.notfound',
    notModifiable: 'things:feature.desiredProperty.notmodifiable',
    label: 'Feature desired property',
  },
};

/** Maps the segments after `/things/{thingId}` to a resource; undefined when no such resource exists. */
export function resolveThingResource(segments: readonly string[]): ThingResource | undefined {
  const [first, second, third, ...rest] = segments;
  if (first === undefined) return { kind: 'thing', pointer: [] };
  if (segments.some((s) => s === '')) return undefined;
  switch (first) {
    case 'policyId':
      return segments.length === 1 ? { kind: 'policyId', pointer: ['policyId'] } : undefined;
    case 'definition':
      return segments.length === 1 ? { kind: 'definition', pointer: ['definition'] } : undefined;
    case 'attributes':
      return second === undefined
        ? { kind: 'attributes', pointer: ['attributes'] }
        : { kind: 'attribute', pointer: segments, subPointer: segments.slice(1) };
    case 'features': {
      if (second === undefined) return { kind: 'features', pointer: ['features'] };
      const featureId = second;
      if (third === undefined) return { kind: 'feature', pointer: ['features', featureId], featureId };
      const base = ['features', featureId, third];
      if (third === 'definition')
        return rest.length === 0 ? { kind: 'featureDefinition', pointer: base, featureId } : undefined;
      if (third === 'properties')
        return rest.length === 0
          ? { kind: 'featureProperties', pointer: base, featureId }
          : { kind: 'featureProperty', pointer: segments, featureId, subPointer: rest };
      if (third === 'desiredProperties')
        return rest.length === 0
          ? { kind: 'featureDesiredProperties', pointer: base, featureId }
          : { kind: 'featureDesiredProperty', pointer: segments, featureId, subPointer: rest };
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Resource paths a merge may target: every resource, plus `/thingId` is never writable. */
export function describeResource(r: ThingResource, thingId: string): string {
  switch (r.kind) {
    case 'thing':
    case 'policyId':
    case 'definition':
    case 'attributes':
    case 'features':
      return `The ${THING_RESOURCE_INFO[r.kind].label} of Thing '${thingId}'`;
    case 'attribute':
      return `Attribute '${(r.subPointer ?? []).join('/')}' of Thing '${thingId}'`;
    case 'feature':
      return `Feature '${r.featureId ?? ''}' of Thing '${thingId}'`;
    case 'featureProperty':
    case 'featureDesiredProperty':
      return `${THING_RESOURCE_INFO[r.kind].label} '${(r.subPointer ?? []).join('/')}' of feature '${r.featureId ?? ''}' of Thing '${thingId}'`;
    default:
      return `The ${THING_RESOURCE_INFO[r.kind].label} of feature '${r.featureId ?? ''}' of Thing '${thingId}'`;
  }
}
