import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../model/json.js';
import { compileEnforcer } from './enforcer.js';
import { DOC_EXAMPLE_POLICY, VIEW, VIEW_POLICY, VIEW_THING, entry, policy } from './fixtures.testkit.js';

const thing = VIEW_THING;
const { attributes, features } = thing;

describe("Ditto JsonViewScenario 1-12 (view of the whole thing, base '/')", () => {
  const e = compileEnforcer(VIEW_POLICY);
  it.each<[string, string[], JsonValue | undefined]>([
    ['1 attributes granted', [VIEW.attributes], { attributes }],
    ['2 features granted', [VIEW.featuresRead], { features }],
    [
      '3 all granted, attributes revoked, location re-granted',
      [VIEW.allAttributesRevoked],
      { attributes: { location: attributes.location }, features },
    ],
    [
      '4 features granted, firmware revoked',
      [VIEW.featuresFirmwareRevoked],
      { features: { foo: features.foo } },
    ],
    [
      '5 foo granted, special revoked',
      [VIEW.fooSpecialRevoked],
      { features: { foo: { properties: { ordinary: 123456 } } } },
    ],
    [
      '6 two subjects combined',
      [VIEW.fooSpecialRevoked, VIEW.attributes],
      { attributes, features: { foo: { properties: { ordinary: 123456 } } } },
    ],
    ['7 one subject revokes what the other grants', [VIEW.allFeaturesRevoked, VIEW.all], { attributes }],
    [
      '8 granted and revoked on the same node: nothing (Ditto: {})',
      [VIEW.allFeaturesRevoked, VIEW.featuresRead],
      undefined,
    ],
    [
      '9 scattered grants',
      [VIEW.someGranted],
      {
        attributes: { attr2: 'string', location: attributes.location },
        features: {
          firmware: { properties: { modulesVersions: { b: '42' } } },
          foo: { properties: { special: 'secret' } },
        },
      },
    ],
    [
      '10 scattered grants minus scattered revokes',
      [VIEW.someGranted, VIEW.someRevoked],
      {
        attributes: { attr2: 'string', location: { longitude: 42.547 } },
        features: { firmware: { properties: { modulesVersions: { b: '42' } } } },
      },
    ],
  ])('%s', (_name, subjects, expected) => {
    expect(e.view('thing', subjects, thing, '/')).toEqual(expected);
  });

  it('11 view below a base path', () => {
    expect(
      e.view('thing', [VIEW.someGranted, VIEW.someRevoked], features.firmware, '/features/firmware'),
    ).toEqual({
      properties: { modulesVersions: { b: '42' } },
    });
  });
  it('12 a grant on a non-existing attribute shows nothing (Ditto: {})', () => {
    expect(e.view('thing', [VIEW.nonexistentAttribute], attributes, '/attributes')).toBeUndefined();
    expect(e.hasPartial('thing', '/attributes', [VIEW.nonexistentAttribute], ['READ'])).toBe(true);
  });
  it('13 a feature granted to a client, viewed at the feature', () => {
    const gyro = { properties: { status: { minRangeValue: -2000, xValue: -0.05, units: 'Deg/s' } } };
    const p = policy({
      owner: entry(['google:owner'], {
        'thing:/': [['READ', 'WRITE'], []],
        'policy:/': [['READ', 'WRITE'], []],
      }),
      client: entry(['google:client'], { 'thing:/features/Gyroscope.0': [['READ', 'WRITE'], []] }),
    });
    expect(compileEnforcer(p).view('thing', ['google:client'], gyro, '/features/Gyroscope.0')).toBe(gyro);
  });
});

describe('Ditto TreeBasedPolicyEnforcerTest accessible-path cases', () => {
  const value = {
    attributes: {
      complex: { some: 42, secret: 'secret-value', other: 'other-value' },
      type: 'LORAWAN_GATEWAY',
    },
  };
  it('grant on one leaf, revoke on a sibling: only the granted leaf', () => {
    const e = compileEnforcer(
      policy({
        partial: entry(['test:partial'], {
          'thing:/attributes/complex/some': [['READ'], []],
          'thing:/attributes/complex/secret': [[], ['READ']],
        }),
      }),
    );
    expect(e.view('thing', ['test:partial'], value)).toEqual({ attributes: { complex: { some: 42 } } });
  });
  it('grant on the parent, nothing revoked: the whole parent', () => {
    const e = compileEnforcer(
      policy({ full: entry(['test:full'], { 'thing:/attributes/complex': [['READ'], []] }) }),
    );
    expect(e.view('thing', ['test:full'], value)).toEqual({
      attributes: { complex: value.attributes.complex },
    });
  });
  it('nested revoke under a granted parent', () => {
    const e = compileEnforcer(
      policy({
        partial: entry(['test:partial'], {
          'thing:/attributes': [['READ'], []],
          'thing:/attributes/type': [['READ'], []],
          'thing:/attributes/hidden': [[], ['READ']],
        }),
      }),
    );
    const v = { attributes: { type: 'LORAWAN_GATEWAY', hidden: false, complex: { some: 42 } } };
    expect(e.view('thing', ['test:partial'], v)).toEqual({
      attributes: { type: 'LORAWAN_GATEWAY', complex: { some: 42 } },
    });
  });
});

describe('view details', () => {
  const A = 'nginx:alice';
  const e = compileEnforcer(
    policy({
      e: entry([A], {
        'thing:/': [['READ'], []],
        'thing:/attributes/secret': [[], ['READ']],
        'thing:/attributes/secret/visible': [['READ'], []],
        'thing:/attributes/hidden': [[], ['READ']],
      }),
    }),
  );
  it('cuts a revoked attribute and keeps the rest', () => {
    expect(e.view('thing', [A], { attributes: { a: 1, hidden: { x: 1 } }, thingId: 'x:y' })).toEqual({
      attributes: { a: 1 },
      thingId: 'x:y',
    });
  });
  it('shows a re-grant below a revoke, and drops the emptied container', () => {
    expect(
      e.view('thing', [A], { attributes: { secret: { visible: 1, invisible: 2 }, hidden: { y: 1 } } }),
    ).toEqual({
      attributes: { secret: { visible: 1 } },
    });
    expect(e.view('thing', [A], { attributes: { hidden: { a: { b: 1 } } } })).toBeUndefined();
  });
  it('keeps a readable empty object but not an unreadable one', () => {
    expect(e.view('thing', [A], { attributes: { empty: {}, hidden: {} } })).toEqual({
      attributes: { empty: {} },
    });
    expect(e.view('thing', [A], {}, '/attributes/hidden')).toBeUndefined();
    expect(e.view('thing', [A], {}, '/attributes')).toEqual({});
  });
  it('treats arrays as leaves', () => {
    expect(e.view('thing', [A], { attributes: { list: [{ secret: 1 }] } })).toEqual({
      attributes: { list: [{ secret: 1 }] },
    });
    expect(e.view('thing', [A], [1, 2], '/attributes/hidden')).toBeUndefined();
  });
  it('judges a scalar at the base path by that path', () => {
    expect(e.view('thing', [A], 5, '/attributes/a')).toBe(5);
    expect(e.view('thing', [A], 5, '/attributes/hidden/x')).toBeUndefined();
    expect(e.view('thing', [A], null, '/attributes/secret/visible')).toBeNull();
  });
  it('returns untouched sub-trees by reference', () => {
    const features = { f: { properties: { p: 1 } } };
    const result = e.view('thing', [A], { attributes: { hidden: 1 }, features }) as { features: unknown };
    expect(result.features).toBe(features);
  });
  it('nothing for unknown subjects or no subjects', () => {
    expect(e.view('thing', ['nginx:eve'], { a: 1 })).toBeUndefined();
    expect(e.view('thing', [], { a: 1 })).toBeUndefined();
  });
  it('keeps a key named __proto__ as data', () => {
    const value = JSON.parse('{"attributes":{"__proto__":{"x":1},"hidden":1}}') as JsonValue;
    const result = e.view('thing', [A], value) as { attributes: Record<string, unknown> };
    expect(Object.hasOwn(result.attributes, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(result.attributes)).toBe(Object.prototype);
  });
  it('hides the city in the basic-policy.md example from some-users', () => {
    const doc = compileEnforcer(DOC_EXAMPLE_POLICY);
    const t = {
      thingId: 'my.namespace:thing-0123',
      features: {
        featureX: { properties: { location: { city: 'Berlin', zip: '10115' } } },
        featureY: { properties: { on: true } },
      },
    };
    expect(doc.view('thing', ['nginx:some-users'], t)).toEqual({
      features: { featureX: { properties: { location: { zip: '10115' } } }, featureY: t.features.featureY },
    });
    expect(doc.view('thing', ['nginx:observer-client'], t)).toEqual({ features: t.features });
    expect(doc.view('thing', ['nginx:ditto'], t)).toBe(t);
  });
});
