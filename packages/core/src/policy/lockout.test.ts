import { describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_POLICY, entry, policy } from './fixtures.testkit.js';
import { grantsPolicyWrite, hasPolicyWriter } from './lockout.js';
import type { PolicyJson } from './types.js';

const A = 'nginx:alice';
const B = 'nginx:bob';

describe('hasPolicyWriter (Ditto PoliciesValidator)', () => {
  it.each<[string, PolicyJson, boolean]>([
    ['the basic-policy.md example', DOC_EXAMPLE_POLICY, true],
    ['WRITE on policy:/', policy({ o: entry([A], { 'policy:/': [['WRITE'], []] }) }), true],
    ['only READ on policy:/', policy({ o: entry([A], { 'policy:/': [['READ'], []] }) }), false],
    ['WRITE only below policy:/', policy({ o: entry([A], { 'policy:/entries': [['WRITE'], []] }) }), false],
    ['WRITE on thing:/ does not count', policy({ o: entry([A], { 'thing:/': [['WRITE'], []] }) }), false],
    [
      'revoked on policy:/ by another entry',
      policy({
        o: entry([A], { 'policy:/': [['WRITE'], []] }),
        r: entry([A], { 'policy:/': [[], ['WRITE']] }),
      }),
      false,
    ],
    [
      'one of two writers revoked',
      policy({
        o: entry([A, B], { 'policy:/': [['WRITE'], []] }),
        r: entry([A], { 'policy:/': [[], ['WRITE']] }),
      }),
      true,
    ],
    [
      'a revoke further down does not matter',
      policy({ o: entry([A], { 'policy:/': [['WRITE'], []], 'policy:/entries/o': [[], ['WRITE']] }) }),
      true,
    ],
    [
      'an expiring writer does not count',
      {
        entries: {
          o: {
            subjects: { [A]: { type: 't', expiry: '2099-01-01T00:00:00Z' } },
            resources: { 'policy:/': { grant: ['WRITE'], revoke: [] } },
          },
        },
      },
      false,
    ],
    ['no entries', { entries: {} }, false],
  ])('%s', (_name, p, expected) => {
    expect(hasPolicyWriter(p)).toBe(expected);
  });
});

describe('grantsPolicyWrite (Ditto CreatePolicy authorisation)', () => {
  const p = policy({
    owner: entry([A], { 'policy:/': [['READ', 'WRITE'], []] }),
    limited: entry([B], { 'policy:/': [['WRITE'], []], 'policy:/entries/owner': [[], ['WRITE']] }),
  });
  it('the creator must keep unrestricted WRITE on policy:/', () => {
    expect(grantsPolicyWrite(p, [A])).toBe(true);
    expect(grantsPolicyWrite(p, [B])).toBe(false);
    expect(grantsPolicyWrite(p, ['nginx:eve'])).toBe(false);
    expect(grantsPolicyWrite(p, [])).toBe(false);
  });
  it('honours expiry', () => {
    const expiring: PolicyJson = {
      entries: {
        o: {
          subjects: { [A]: { type: 't', expiry: '2030-01-01T00:00:00Z' } },
          resources: { 'policy:/': { grant: ['WRITE'], revoke: [] } },
        },
      },
    };
    expect(grantsPolicyWrite(expiring, [A], { now: new Date('2029-01-01T00:00:00Z') })).toBe(true);
    expect(grantsPolicyWrite(expiring, [A], { now: new Date('2031-01-01T00:00:00Z') })).toBe(false);
  });
});
