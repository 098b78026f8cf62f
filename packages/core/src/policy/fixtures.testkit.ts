/**
 * @module Test fixtures: a compact policy builder and the policies of Ditto's enforcer test
 * bench (policies/model/src/test/.../enforcers/testbench/scenarios), re-expressed as JSON.
 */

import type { PolicyEntryJson, PolicyJson } from './types.js';

type Perm = 'READ' | 'WRITE' | 'EXECUTE';
/** resource key -> [granted, revoked] */
export type ResourceSpec = Record<string, readonly [readonly Perm[], readonly Perm[]]>;

export function entry(
  subjects: readonly string[],
  resources: ResourceSpec,
  extra: Partial<PolicyEntryJson> = {},
): PolicyEntryJson {
  return {
    subjects: Object.fromEntries(subjects.map((s) => [s, { type: 'test' }])),
    resources: Object.fromEntries(
      Object.entries(resources).map(([key, [grant, revoke]]) => [key, { grant, revoke }]),
    ),
    ...extra,
  };
}

export function policy(entries: Record<string, PolicyEntryJson>, policyId = 'test:policy'): PolicyJson {
  return { policyId, entries };
}

const g = (s: string): string => `google:${s}`;

/** Ditto Scenario3Revoke. */
export const REVOKE = {
  allAttributesRevoked: g('sid_all_attributes_revoked'),
  featuresFirmwareRevoked: g('sid_features_read_firmware_read_revoke'),
  fooSpecialRevoked: g('sid_feature_foo_all_granted_special_property_revoked'),
};
export const REVOKE_POLICY = policy({
  all: entry([REVOKE.allAttributesRevoked], { 'thing:/': [['READ', 'WRITE'], []] }),
  'attributes-revoked': entry([REVOKE.allAttributesRevoked], {
    'thing:/attributes': [[], ['READ', 'WRITE']],
  }),
  'attributes-location-read-allowed': entry([REVOKE.allAttributesRevoked], {
    'thing:/attributes/location': [['READ'], []],
  }),
  features: entry([REVOKE.featuresFirmwareRevoked], {
    'thing:/features': [['READ'], []],
    'thing:/features/firmware': [[], ['READ']],
  }),
  'features-foo': entry([REVOKE.fooSpecialRevoked], { 'thing:/features/foo': [['READ', 'WRITE'], []] }),
  'features-foo-special-property-revoked': entry([REVOKE.fooSpecialRevoked], {
    'thing:/features/foo/properties/special': [[], ['READ', 'WRITE']],
  }),
});

/** Ditto Scenario4MultipleSubjects: subject n is `MULTI[n]`. */
export const MULTI: Record<number, string> = {
  1: g('sid_1'),
  2: g('sid_2'),
  3: g('gid_3'),
  4: g('gid_4'),
  5: g('rid_5'),
  6: g('rid_6'),
  7: g('rid_7'),
  8: g('uid_8'),
  9: g('gid_9'),
};
const m = (...n: number[]): string[] => n.map((i) => MULTI[i] as string);
export const MULTI_POLICY = policy({
  one: entry(m(1, 2), { 'thing:/': [['READ', 'WRITE'], []], 'thing:/attributes': [[], ['READ', 'WRITE']] }),
  two: entry(m(3), { 'thing:/': [[], ['WRITE']] }),
  three: entry(m(3), {
    'thing:/attributes': [['READ', 'WRITE'], []],
    'thing:/features': [['READ', 'WRITE'], []],
    'thing:/features/foo1': [[], ['READ']],
    'thing:/features/foo2': [[], ['WRITE']],
    'thing:/features/foo3': [[], ['READ', 'WRITE']],
  }),
  four: entry(m(3, 4), {
    'thing:/attributes/nogo1': [[], ['READ', 'WRITE']],
    'thing:/attributes/nogo2': [[], ['READ', 'WRITE']],
    'thing:/attributes/nogo1/go1': [['READ', 'WRITE'], []],
    'thing:/attributes/nogo2/go2': [['READ'], []],
  }),
  five: entry(m(5), {
    'thing:/features/public/properties/location': [['READ'], []],
    'thing:/features/lamp/properties/config/on': [['WRITE'], []],
  }),
  six_read: entry(m(5, 6), { 'thing:/attributes/read_write': [['READ'], []] }),
  six_write: entry(m(6, 3), { 'thing:/attributes/read_write': [['WRITE'], []] }),
  seven_write: entry(m(7), { 'thing:/attributes': [['WRITE'], []] }),
  eight: entry(m(8), { 'thing:/attributes': [['READ', 'WRITE'], []] }),
  nine_write_only: entry(m(9), {
    'thing:/attribute/nogo2/go2': [['WRITE'], []],
    'thing:/attribute/nogo2': [[], ['READ']],
  }),
});

/** Ditto JsonViewScenario: subjects and policy. */
export const VIEW = {
  all: g('sid_all'),
  attributes: g('sid_all_attributes'),
  allAttributesRevoked: g('sid_all_attributes_revoked'),
  nonexistentAttribute: g('sid_nonexistent_attribute_granted'),
  featuresRead: g('sid_features_read'),
  featuresFirmwareRevoked: g('sid_features_read_firmware_read_revoke'),
  fooSpecialRevoked: g('sid_feature_foo_all_granted_special_property_revoked'),
  allFeaturesRevoked: g('sid_all_features_revoked'),
  someGranted: g('sid_some_granted'),
  someRevoked: g('sid_some_revoked'),
};
export const VIEW_POLICY = policy({
  all: entry([VIEW.all, VIEW.allAttributesRevoked], { 'thing:/': [['READ', 'WRITE'], []] }),
  'all-attributes': entry([VIEW.attributes], { 'thing:/attributes': [['READ', 'WRITE'], []] }),
  'attributes-revoked': entry([VIEW.allAttributesRevoked], { 'thing:/attributes': [[], ['READ', 'WRITE']] }),
  'attributes-location-read-allowed': entry([VIEW.allAttributesRevoked], {
    'thing:/attributes/location': [['READ'], []],
  }),
  'features-read': entry([VIEW.featuresRead], { 'thing:/features': [['READ'], []] }),
  features: entry([VIEW.featuresFirmwareRevoked], {
    'thing:/features': [['READ'], []],
    'thing:/features/firmware': [[], ['READ']],
  }),
  'features-foo': entry([VIEW.fooSpecialRevoked], { 'thing:/features/foo': [['READ', 'WRITE'], []] }),
  'features-foo-special-property-revoked': entry([VIEW.fooSpecialRevoked], {
    'thing:/features/foo/properties/special': [[], ['READ', 'WRITE']],
  }),
  'features-revoked': entry([VIEW.allFeaturesRevoked], { 'thing:/features': [[], ['READ']] }),
  'some-granted-of-each': entry([VIEW.someGranted], {
    'thing:/attributes/attr2': [['READ'], []],
    'thing:/attributes/location': [['READ'], []],
    'thing:/features/firmware/properties/modulesVersions/b': [['READ'], []],
    'thing:/features/foo/properties/special': [['READ'], []],
  }),
  'some-revoked-of-each': entry([VIEW.someRevoked], {
    'thing:/attributes/location/latitude': [[], ['READ']],
    'thing:/features/firmware/properties/modulesVersions': [[], ['READ']],
    'thing:/features/foo/properties/special': [[], ['READ']],
  }),
  'nonexistent-attribute-granted': entry([VIEW.nonexistentAttribute], {
    'thing:/attributes/location/nonexistentAttribute': [['READ'], []],
  }),
});

export const VIEW_THING = {
  attributes: { attr1: 1, attr2: 'string', attr3: false, location: { latitude: 47.123, longitude: 42.547 } },
  features: {
    firmware: {
      properties: {
        version: '2.0.5',
        updated: '2016-11-11T08:39:05Z',
        modulesVersions: { a: '3.2.0', b: '42' },
      },
    },
    foo: { properties: { ordinary: 123456, special: 'secret' } },
  },
};

/**
 * The example at the end of Ditto's basic-policy.md, with its "private" entry repaired: the
 * page nests `resources` inside `subjects` by mistake, which Ditto itself would reject.
 */
export const DOC_EXAMPLE_POLICY: PolicyJson = {
  policyId: 'my.namespace:policy-a',
  entries: {
    owner: {
      subjects: { 'nginx:ditto': { type: 'nginx basic auth user' } },
      resources: {
        'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
        'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
        'message:/': { grant: ['READ', 'WRITE'], revoke: [] },
      },
    },
    observer: {
      subjects: {
        'nginx:observer-client': { type: 'technical client' },
        'nginx:some-users': { type: 'a group of users' },
      },
      resources: {
        'thing:/features/featureX': { grant: ['READ'], revoke: [] },
        'thing:/features/featureY': { grant: ['READ'], revoke: [] },
      },
    },
    private: {
      subjects: { 'nginx:some-users': { type: 'a group of users' } },
      resources: { 'thing:/features/featureX/properties/location/city': { grant: [], revoke: ['READ'] } },
    },
  },
};
