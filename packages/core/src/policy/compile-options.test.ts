import { describe, expect, it } from 'vitest';
import { compileEnforcer } from './enforcer.js';
import { entry, policy } from './fixtures.testkit.js';
import { entryAppliesToNamespace, isValidNamespacePattern } from './namespaces.js';
import type { PolicyJson } from './types.js';

describe('namespace-scoped entries', () => {
  const p = policy({
    exact: entry(['t:exact'], { 'thing:/': [['READ'], []] }, { namespaces: ['com.acme'] }),
    below: entry(['t:below'], { 'thing:/': [['READ'], []] }, { namespaces: ['com.acme.*'] }),
    both: entry(['t:both'], { 'thing:/': [['READ'], []] }, { namespaces: ['com.acme', 'com.acme.*'] }),
    everywhere: entry(['t:all'], { 'thing:/': [['READ'], []] }, { namespaces: [] }),
    revokeInAcme: entry(['t:all'], { 'thing:/secret': [[], ['READ']] }, { namespaces: ['com.acme'] }),
  });
  it.each([
    ['com.acme', ['t:exact', 't:both', 't:all']],
    ['com.acme.vehicles', ['t:below', 't:both', 't:all']],
    ['com.acme.vehicles.trucks', ['t:below', 't:both', 't:all']],
    ['com.acmeX', ['t:all']],
    ['org.other', ['t:all']],
  ])('in %s', (namespace, readers) => {
    const e = compileEnforcer(p, { namespace });
    for (const s of ['t:exact', 't:below', 't:both', 't:all']) {
      expect(e.hasPartial('thing', '/', [s], ['READ']), s).toBe(readers.includes(s));
    }
  });
  it('a namespace-scoped revoke only applies in its namespace', () => {
    expect(
      compileEnforcer(p, { namespace: 'com.acme' }).hasUnrestricted('thing', '/secret', ['t:all'], ['READ']),
    ).toBe(false);
    expect(
      compileEnforcer(p, { namespace: 'org.x' }).hasUnrestricted('thing', '/secret', ['t:all'], ['READ']),
    ).toBe(true);
  });
  it('without a namespace no entry is left out (Ditto enforces policy commands unfiltered)', () => {
    const e = compileEnforcer(p);
    expect(e.hasPartial('thing', '/', ['t:exact'], ['READ'])).toBe(true);
    expect(e.hasPartial('thing', '/', ['t:below'], ['READ'])).toBe(true);
  });
  it('pattern syntax and matching', () => {
    expect(isValidNamespacePattern('com.acme')).toBe(true);
    expect(isValidNamespacePattern('com.acme.*')).toBe(true);
    expect(isValidNamespacePattern('com-acme_1.x')).toBe(true);
    for (const bad of ['', '*', '.*', 'com.*.acme', '1com', 'com.', 'com..acme', 'com.acme*']) {
      expect(isValidNamespacePattern(bad), bad).toBe(false);
    }
    expect(entryAppliesToNamespace(undefined, 'x')).toBe(true);
    expect(entryAppliesToNamespace(['a.*'], 'a')).toBe(false);
    expect(entryAppliesToNamespace(['a.*'], 'ab.c')).toBe(false);
  });
});

describe('expiring subjects', () => {
  const p: PolicyJson = {
    entries: {
      e: {
        subjects: {
          't:forever': { type: 't' },
          't:past': { type: 't', expiry: '2020-01-01T00:00:00Z' },
          't:now': { type: 't', expiry: '2025-06-01T12:00:00Z' },
          't:soon': { type: 't', expiry: '2025-06-01T13:00:00+00:00' },
          't:later': { type: 't', expiry: '2025-06-02T00:00:00Z' },
          't:garbage': { type: 't', expiry: 'tomorrow' },
        },
        resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
      },
    },
  };
  const now = new Date('2025-06-01T12:00:00Z');
  const e = compileEnforcer(p, { now });
  it.each([
    ['t:forever', true],
    ['t:past', false],
    ['t:now', false],
    ['t:soon', true],
    ['t:later', true],
    ['t:garbage', false],
  ] as const)('%s', (subject, expected) => {
    expect(e.hasUnrestricted('thing', '/', [subject], ['READ'])).toBe(expected);
  });
  it('validUntil is the earliest future expiry', () => {
    expect(e.validUntil).toEqual(new Date('2025-06-01T13:00:00Z'));
    expect(compileEnforcer(policy({ e: entry(['a:b'], {}) }), { now }).validUntil).toBeUndefined();
  });
  it('an expired subject revoking something no longer revokes', () => {
    const q: PolicyJson = {
      entries: {
        g: { subjects: { 'a:b': { type: 't' } }, resources: { 'thing:/': { grant: ['READ'], revoke: [] } } },
        r: {
          subjects: { 'a:b': { type: 't', expiry: '2025-01-01T00:00:00Z' } },
          resources: { 'thing:/x': { grant: [], revoke: ['READ'] } },
        },
      },
    };
    expect(compileEnforcer(q, { now }).hasUnrestricted('thing', '/', ['a:b'], ['READ'])).toBe(true);
    expect(
      compileEnforcer(q, { now: new Date('2024-01-01T00:00:00Z') }).hasUnrestricted(
        'thing',
        '/',
        ['a:b'],
        ['READ'],
      ),
    ).toBe(false);
  });
});

describe('robustness', () => {
  it('compiles and queries a very deep resource path without overflowing the stack', () => {
    const deep = Array.from({ length: 20_000 }, () => 'a');
    const e = compileEnforcer(
      policy({
        e: entry(['x:y'], { 'thing:/': [['READ'], []], [`thing:/${deep.join('/')}`]: [[], ['READ']] }),
      }),
    );
    expect(e.hasUnrestricted('thing', deep, ['x:y'], ['READ'])).toBe(false);
    expect(e.hasUnrestricted('thing', ['a'], ['x:y'], ['READ'])).toBe(false);
    expect(e.hasPartial('thing', ['a'], ['x:y'], ['READ'])).toBe(true);
    expect(e.hasUnrestricted('thing', ['b'], ['x:y'], ['READ'])).toBe(true);
  });
  it('rejects an unknown resource type at query time', () => {
    const e = compileEnforcer(policy({}));
    expect(() => e.hasPartial('feature' as never, '/', ['x:y'], ['READ'])).toThrow(TypeError);
  });
});
