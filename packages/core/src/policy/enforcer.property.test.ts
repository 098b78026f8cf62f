import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../model/json.js';
import { compileEnforcer } from './enforcer.js';
import {
  refPartial,
  refPatchLeaves,
  refSubjectsWith,
  refUnrestricted,
  refView,
  referenceRules,
} from './reference-evaluator.testkit.js';
import type { Permission, PolicyEntryJson, PolicyJson, ResourceType, SubjectJson } from './types.js';

// Few subjects, keys and permissions so that random policies collide on the same nodes.
const SUBJECTS = ['s:a', 's:b', 's:c'];
const KEYS = ['x', 'y', 'z'];
const PERMS: readonly Permission[] = ['READ', 'WRITE'];
const TYPES: readonly ResourceType[] = ['thing', 'thing', 'policy'];
const NOW = new Date('2025-01-01T00:00:00Z');
const EXPIRIES = [
  undefined,
  undefined,
  '2024-12-31T23:59:59Z',
  '2025-01-01T00:00:00Z',
  '2025-01-01T00:00:01Z',
];

const pathArb = (maxLength: number): fc.Arbitrary<string[]> =>
  fc.array(fc.constantFrom(...KEYS), { maxLength });

const resourceArb = fc.record({
  type: fc.constantFrom(...TYPES),
  path: pathArb(3),
  grant: fc.subarray([...PERMS]),
  revoke: fc.subarray([...PERMS]),
});

const entryArb: fc.Arbitrary<PolicyEntryJson> = fc
  .record({
    subjects: fc.uniqueArray(
      fc.record({ id: fc.constantFrom(...SUBJECTS), expiry: fc.constantFrom(...EXPIRIES) }),
      {
        minLength: 1,
        maxLength: 2,
        selector: (s) => s.id,
      },
    ),
    resources: fc.array(resourceArb, { minLength: 1, maxLength: 4 }),
    namespaces: fc.constantFrom<string[] | undefined>(
      undefined,
      undefined,
      [],
      ['ns.a'],
      ['ns.*'],
      ['ns.a', 'other'],
    ),
  })
  .map(({ subjects, resources, namespaces }) => ({
    subjects: Object.fromEntries(
      subjects.map(({ id, expiry }): [string, SubjectJson] => [
        id,
        expiry === undefined ? { type: 't' } : { type: 't', expiry },
      ]),
    ),
    resources: Object.fromEntries(
      resources.map((r) => [`${r.type}:/${r.path.join('/')}`, { grant: r.grant, revoke: r.revoke }]),
    ),
    ...(namespaces === undefined ? {} : { namespaces }),
  }));

const policyArb: fc.Arbitrary<PolicyJson> = fc
  .array(entryArb, { minLength: 1, maxLength: 5 })
  .map((entries) => ({
    policyId: 'ns.a:p',
    entries: Object.fromEntries(entries.map((e, i) => [`e${i}`, e])),
  }));

const namespaceArb = fc.constantFrom<string | undefined>(undefined, 'ns.a', 'ns.a.b', 'other');
const subjectsArb = fc.subarray([...SUBJECTS, 's:none']);
const permsArb = fc.subarray([...PERMS]);
const typeArb = fc.constantFrom<ResourceType>('thing', 'policy');

const { json: jsonArb } = fc.letrec<{ json: JsonValue }>((tie) => ({
  json: fc.oneof(
    { maxDepth: 4, depthSize: 'small' },
    fc.integer({ min: 0, max: 9 }),
    fc.constant(null),
    fc.constant({}),
    fc.constant<JsonValue>([1, { x: 2 }]),
    fc.dictionary(fc.constantFrom(...KEYS), tie('json'), { maxKeys: 3 }),
  ),
}));

const RUNS = { numRuns: 400 };

describe('compiled Enforcer agrees with the naive reference evaluator', () => {
  it('hasUnrestricted', () => {
    fc.assert(
      fc.property(
        policyArb,
        namespaceArb,
        typeArb,
        pathArb(4),
        subjectsArb,
        permsArb,
        (p, namespace, type, path, subjects, perms) => {
          const opts = { now: NOW, ...(namespace === undefined ? {} : { namespace }) };
          const expected = refUnrestricted(referenceRules(p, opts), type, path, subjects, perms);
          expect(compileEnforcer(p, opts).hasUnrestricted(type, path, subjects, perms)).toBe(expected);
        },
      ),
      RUNS,
    );
  });

  it('hasPartial', () => {
    fc.assert(
      fc.property(
        policyArb,
        namespaceArb,
        typeArb,
        pathArb(4),
        subjectsArb,
        permsArb,
        (p, namespace, type, path, subjects, perms) => {
          const opts = { now: NOW, ...(namespace === undefined ? {} : { namespace }) };
          const expected = refPartial(referenceRules(p, opts), type, path, subjects, perms);
          expect(compileEnforcer(p, opts).hasPartial(type, path, subjects, perms)).toBe(expected);
        },
      ),
      RUNS,
    );
  });

  it('view', () => {
    fc.assert(
      fc.property(policyArb, typeArb, pathArb(2), subjectsArb, jsonArb, (p, type, base, subjects, value) => {
        const rules = referenceRules(p, { now: NOW });
        const expected = refView(rules, type, subjects, value, base);
        expect(compileEnforcer(p, { now: NOW }).view(type, subjects, value, base)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('subjectsWith', () => {
    fc.assert(
      fc.property(policyArb, typeArb, pathArb(4), fc.constantFrom(...PERMS), (p, type, path, perm) => {
        const expected = refSubjectsWith(referenceRules(p, { now: NOW }), type, path, perm);
        const actual = compileEnforcer(p, { now: NOW }).subjectsWith(type, path, perm);
        expect(new Set(actual.unrestricted)).toEqual(expected.unrestricted);
        expect(new Set(actual.partial)).toEqual(expected.partial);
      }),
      RUNS,
    );
  });

  it('touchesOnlyWritable', () => {
    fc.assert(
      fc.property(
        policyArb,
        pathArb(2),
        subjectsArb,
        jsonArb,
        fc.constantFrom('put', 'merge'),
        (p, base, subjects, value, mode) => {
          const rules = referenceRules(p, { now: NOW });
          const whole = refUnrestricted(rules, 'thing', base, subjects, ['WRITE']);
          const expected =
            whole ||
            (mode === 'merge' &&
              refPatchLeaves(base, value).every((leaf) =>
                refUnrestricted(rules, 'thing', leaf, subjects, ['WRITE']),
              ));
          expect(
            compileEnforcer(p, { now: NOW }).touchesOnlyWritable('thing', base, value, subjects, mode),
          ).toBe(expected);
        },
      ),
      RUNS,
    );
  });
});
