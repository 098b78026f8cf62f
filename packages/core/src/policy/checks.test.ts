import { describe, expect, it } from 'vitest';
import { compileEnforcer } from './enforcer.js';
import { pathSegments, pathString } from './path.js';
import {
  DOC_EXAMPLE_POLICY,
  MULTI,
  MULTI_POLICY,
  REVOKE,
  REVOKE_POLICY,
  entry,
  policy,
  type ResourceSpec,
} from './fixtures.testkit.js';
import type { Permission, PolicyJson, ResourceType } from './types.js';

type Check = 'unrestricted' | 'partial';
interface Case {
  readonly name: string;
  readonly check: Check;
  readonly subjects: readonly string[];
  readonly path: string;
  readonly perms: readonly Permission[];
  readonly expected: boolean;
  readonly type?: ResourceType;
}

function run(p: PolicyJson, cases: readonly Case[]): void {
  const enforcer = compileEnforcer(p);
  it.each(cases)('$name', (c) => {
    const type = c.type ?? 'thing';
    const actual =
      c.check === 'unrestricted'
        ? enforcer.hasUnrestricted(type, c.path, c.subjects, c.perms)
        : enforcer.hasPartial(type, c.path, c.subjects, c.perms);
    expect(actual).toBe(c.expected);
  });
}

const A = 'nginx:alice';
const B = 'nginx:bob';
const one = (resources: ResourceSpec, subjects = [A]): PolicyJson =>
  policy({ e: entry(subjects, resources) });
const U = (
  name: string,
  subjects: readonly string[],
  path: string,
  perms: readonly Permission[],
  expected: boolean,
): Case => ({
  name,
  check: 'unrestricted',
  subjects,
  path,
  perms,
  expected,
});
const P = (
  name: string,
  subjects: readonly string[],
  path: string,
  perms: readonly Permission[],
  expected: boolean,
): Case => ({
  name,
  check: 'partial',
  subjects,
  path,
  perms,
  expected,
});

describe('grants inherit downwards', () => {
  run(one({ 'thing:/': [['READ'], []] }), [
    U('root grant covers the root', [A], '/', ['READ'], true),
    U('root grant covers a deep path', [A], '/attributes/a/b/c', ['READ'], true),
    U('"" is the root too', [A], '', ['READ'], true),
    U('WRITE does not imply READ (and not the other way round)', [A], '/attributes', ['WRITE'], false),
    U('all perms must be granted', [A], '/attributes', ['READ', 'WRITE'], false),
    U('other subjects get nothing', [B], '/', ['READ'], false),
    U('no subjects: false', [], '/', ['READ'], false),
    U('no perms: false, never vacuously true', [A], '/', [], false),
    P('no perms: false for partial too', [A], '/', [], false),
  ]);
  it('a thing grant says nothing about policy or message resources', () => {
    const e = compileEnforcer(one({ 'thing:/': [['READ', 'WRITE'], []] }));
    expect(e.hasPartial('policy', '/', [A], ['READ'])).toBe(false);
    expect(e.hasPartial('message', '/', [A], ['READ'])).toBe(false);
  });
  it('Ditto grantedPolicyTypeDoesNotGrantThingAccess', () => {
    const e = compileEnforcer(one({ 'policy:/': [['READ', 'WRITE'], []] }));
    expect(e.hasPartial('thing', '/', [A], ['READ'])).toBe(false);
    expect(e.hasUnrestricted('policy', '/entries/x', [A], ['WRITE'])).toBe(true);
  });
  it('accepts paths as segment arrays', () => {
    const e = compileEnforcer(one({ 'thing:/attributes/a': [['READ'], []] }));
    expect(e.hasUnrestricted('thing', ['attributes', 'a', 'b'], [A], ['READ'])).toBe(true);
    expect(e.hasUnrestricted('thing', ['attributes'], [A], ['READ'])).toBe(false);
  });
});

describe('paths', () => {
  it('split like Ditto: optional leading slash, empty segments dropped, keys literal', () => {
    expect(pathSegments('/')).toEqual([]);
    expect(pathSegments('')).toEqual([]);
    expect(pathSegments('attributes/a/')).toEqual(['attributes', 'a']);
    expect(pathSegments('/attributes/a~0b~1c')).toEqual(['attributes', 'a~0b~1c']);
    expect(pathString(['attributes', 'a'])).toBe('/attributes/a');
    expect(pathString([])).toBe('/');
  });
  it('a policy key with ~ names the same key a thing path does', () => {
    const e = compileEnforcer(one({ 'thing:/': [['READ'], []], 'thing:/attributes/a~0b': [[], ['READ']] }));
    expect(e.hasUnrestricted('thing', ['attributes', 'a~0b'], [A], ['READ'])).toBe(false);
    expect(e.view('thing', [A], { 'a~0b': 1, c: 2 }, '/attributes')).toEqual({ c: 2 });
  });
});

describe('revoke and re-grant by depth', () => {
  run(
    one({
      'thing:/': [['READ', 'WRITE'], []],
      'thing:/attributes': [[], ['READ']],
      'thing:/attributes/public': [['READ'], []],
      'thing:/attributes/public/secret': [[], ['READ']],
    }),
    [
      U('revoke below makes the root restricted', [A], '/', ['READ'], false),
      P('…but still partially readable', [A], '/', ['READ'], true),
      U('WRITE is untouched by READ revokes', [A], '/', ['WRITE'], true),
      U('revoked node', [A], '/attributes', ['READ'], false),
      U('below a revoke', [A], '/attributes/other', ['READ'], false),
      P('below a revoke, nothing granted further down', [A], '/attributes/other', ['READ'], false),
      P('revoked node with a re-grant below is partial', [A], '/attributes', ['READ'], true),
      U('re-granted node, revoked again below', [A], '/attributes/public', ['READ'], false),
      U('below the re-grant', [A], '/attributes/public/x', ['READ'], true),
      U('revoked again', [A], '/attributes/public/secret', ['READ'], false),
      U('revoked again, deeper', [A], '/attributes/public/secret/deep', ['READ'], false),
    ],
  );
  describe('revoke wins a tie at the same node', () => {
    run(
      policy({
        grant: entry([A], { 'thing:/attributes': [['READ'], []] }),
        revoke: entry([A], { 'thing:/attributes': [[], ['READ']] }),
      }),
      [
        U('same node, two entries', [A], '/attributes', ['READ'], false),
        U('same node, below', [A], '/attributes/x', ['READ'], false),
        P('same node: not even partial', [A], '/attributes', ['READ'], false),
      ],
    );
    run(one({ 'thing:/a': [['READ'], ['READ']] }), [
      U('grant and revoke in one resource', [A], '/a', ['READ'], false),
    ]);
  });
  describe('subjects are pooled', () => {
    run(
      policy({
        g: entry([A], { 'thing:/': [['READ'], []] }),
        r: entry([B], { 'thing:/secret': [[], ['READ']] }),
      }),
      [
        U('alice alone', [A], '/', ['READ'], true),
        U("bob's revoke below restricts alice+bob", [A, B], '/', ['READ'], false),
        U("bob's revoke wins on its node", [A, B], '/secret', ['READ'], false),
        U('elsewhere alice+bob read', [A, B], '/public', ['READ'], true),
        P('alice+bob partial on the root', [A, B], '/', ['READ'], true),
      ],
    );
  });
  describe("partial ignores revokes below the checked path (Ditto's CheckPartialPermissionsVisitor)", () => {
    run(
      policy({
        grant: entry([A], { 'thing:/a/b': [['READ'], []] }),
        revoke: entry([A], { 'thing:/a/b': [[], ['READ']] }),
      }),
      [P('a grant below counts even if revoked at the same node', [A], '/a', ['READ'], true)],
    );
  });
  describe('the tree ends before the path does', () => {
    run(one({ 'thing:/a': [['READ'], []], 'thing:/a/b': [[], ['READ']] }), [
      U('deep below a revoke', [A], '/a/b/c/d/e', ['READ'], false),
      U('deep in a granted sibling', [A], '/a/c/d/e', ['READ'], true),
      P('beside the grant', [A], '/z', ['READ'], false),
    ]);
  });
  describe('EXECUTE works like any other permission', () => {
    run(one({ 'policy:/entries/x/actions/activateTokenIntegration': [['EXECUTE'], []] }), [
      {
        ...U('execute on the action', [A], '/entries/x/actions/activateTokenIntegration', ['EXECUTE'], true),
        type: 'policy',
      },
      { ...U('not on the entry', [A], '/entries/x', ['EXECUTE'], false), type: 'policy' },
      { ...P('partial on the entry', [A], '/entries/x', ['EXECUTE'], true), type: 'policy' },
    ]);
  });
});

describe('Ditto Scenario3Revoke', () => {
  const s = REVOKE;
  run(REVOKE_POLICY, [
    U('R1 not READ+WRITE on /', [s.allAttributesRevoked], '/', ['READ', 'WRITE'], false),
    U('R2 not READ+WRITE on /attributes', [s.allAttributesRevoked], '/attributes', ['READ', 'WRITE'], false),
    U('R3 not WRITE on /attributes', [s.allAttributesRevoked], '/attributes', ['WRITE'], false),
    P('R4 partial READ on /attributes', [s.allAttributesRevoked], '/attributes', ['READ'], true),
    U('R5 READ on /attributes/location', [s.allAttributesRevoked], '/attributes/location', ['READ'], true),
    U(
      'R6 not WRITE on /attributes/location',
      [s.allAttributesRevoked],
      '/attributes/location',
      ['WRITE'],
      false,
    ),
    P('R7 partial READ on /', [s.featuresFirmwareRevoked], '/', ['READ'], true),
    U('R8 not WRITE on /', [s.featuresFirmwareRevoked], '/', ['WRITE'], false),
    U('R9 not READ on /features', [s.featuresFirmwareRevoked], '/features', ['READ'], false),
    U('R10 not WRITE on /features', [s.featuresFirmwareRevoked], '/features', ['WRITE'], false),
    U(
      'R11 not READ on /features/firmware',
      [s.featuresFirmwareRevoked],
      '/features/firmware',
      ['READ'],
      false,
    ),
    P(
      'R12 not partial READ on /features/firmware',
      [s.featuresFirmwareRevoked],
      '/features/firmware',
      ['READ'],
      false,
    ),
    P('R13 partial READ on /features/foo', [s.fooSpecialRevoked], '/features/foo', ['READ'], true),
    U('R14 not WRITE on /features/foo', [s.fooSpecialRevoked], '/features/foo', ['WRITE'], false),
    P(
      'R15 not partial READ on special',
      [s.fooSpecialRevoked],
      '/features/foo/properties/special',
      ['READ'],
      false,
    ),
    P(
      'R16 not partial READ below special',
      [s.fooSpecialRevoked],
      '/features/foo/properties/special/sub',
      ['READ'],
      false,
    ),
    U(
      'R17 not WRITE below special',
      [s.fooSpecialRevoked],
      '/features/foo/properties/special/sub',
      ['WRITE'],
      false,
    ),
    U(
      'R18 WRITE on a sibling of special',
      [s.fooSpecialRevoked],
      '/features/foo/properties/some',
      ['WRITE'],
      true,
    ),
  ]);
  it('R1/R4/R5 partial-subject sets', () => {
    const e = compileEnforcer(REVOKE_POLICY);
    expect(e.subjectsWith('thing', '/', 'READ').partial.has(s.allAttributesRevoked)).toBe(true);
    expect(e.subjectsWith('thing', '/attributes', 'READ').partial.has(s.allAttributesRevoked)).toBe(true);
    expect(
      e.subjectsWith('thing', '/attributes/location', 'READ').unrestricted.has(s.allAttributesRevoked),
    ).toBe(true);
    const special = e.subjectsWith('thing', '/features/foo/properties/special', 'READ');
    expect(special.partial.has(s.fooSpecialRevoked) || special.unrestricted.has(s.fooSpecialRevoked)).toBe(
      false,
    );
    expect(
      e.subjectsWith('thing', '/features/foo/properties/some', 'WRITE').unrestricted.has(s.fooSpecialRevoked),
    ).toBe(true);
  });
});

describe('Ditto Scenario4MultipleSubjects', () => {
  const m = (...n: number[]): string[] => n.map((i) => MULTI[i] as string);
  const loc = '/features/public/properties/location';
  const on = '/features/lamp/properties/config/on';
  run(MULTI_POLICY, [
    P('1 partial READ /', m(1, 3, 5), '/', ['READ'], true),
    U('2 not WRITE /', m(1, 3, 5), '/', ['WRITE'], false),
    U('3 not WRITE /attributes', m(1, 3, 5), '/attributes', ['WRITE'], false),
    P('4 partial READ /features', m(1, 3, 5), '/features', ['READ'], true),
    P('5 not partial READ /features/foo1', m(1, 3, 5), '/features/foo1', ['READ'], false),
    U('6 WRITE /features/foo1', m(1, 3, 5), '/features/foo1', ['WRITE'], true),
    P('7 not partial READ /features/foo3', m(1, 3, 5), '/features/foo3', ['READ'], false),
    P('8 partial READ /attributes/nogo1', m(1, 3, 5), '/attributes/nogo1', ['READ'], true),
    P('9 not partial WRITE /attributes/nogo2', m(1, 3, 5), '/attributes/nogo2', ['WRITE'], false),
    P('10 partial READ /attributes/nogo2/go2', m(1, 3, 5), '/attributes/nogo2/go2', ['READ'], true),
    U('11 READ location', m(1, 3, 5), loc, ['READ'], true),
    U('12 READ location', m(5), loc, ['READ'], true),
    U('13 not WRITE location', m(5), loc, ['WRITE'], false),
    P('14 partial READ /features/public', m(5), '/features/public', ['READ'], true),
    U('15 not WRITE config', m(5), '/features/lamp/properties/config', ['WRITE'], false),
    P('16 not partial READ config', m(5), '/features/lamp/properties/config', ['READ'], false),
    P('17 partial WRITE config/on', m(5), on, ['WRITE'], true),
    P('18 not partial READ config/on', m(5), on, ['READ'], false),
    P('19 partial READ+WRITE read_write', m(6), '/attributes/read_write', ['READ', 'WRITE'], true),
    P(
      '20 partial READ+WRITE read_write, two subjects',
      m(3, 5),
      '/attributes/read_write',
      ['READ', 'WRITE'],
      true,
    ),
    U('21 not WRITE /attributes', m(7, 4), '/attributes', ['WRITE'], false),
    P('22 partial READ /attributes', m(8, 4), '/attributes', ['READ'], true),
    P('23 partial READ /attributes/nogo2', m(8, 4), '/attributes/nogo2', ['READ'], true),
    P('24 partial READ /attributes/nogo2/go2', m(8, 4), '/attributes/nogo2/go2', ['READ'], true),
    U('25 not WRITE /attributes', m(8, 4), '/attributes', ['WRITE'], false),
    U('26 WRITE /attributes/nogo1/go1', m(8, 4), '/attributes/nogo1/go1', ['WRITE'], true),
    U('27 READ+WRITE /attributes/nogo1/go1', m(4, 9), '/attributes/nogo1/go1', ['READ', 'WRITE'], true),
  ]);
  it('14 subjects with READ on /features/public', () => {
    const { unrestricted, partial } = compileEnforcer(MULTI_POLICY).subjectsWith(
      'thing',
      '/features/public',
      'READ',
    );
    expect([...unrestricted].sort()).toEqual(m(1, 2, 3).sort());
    expect([...partial]).toEqual(m(5));
  });
});

describe('Ditto TreeBasedPolicyEnforcerTest.getSubjectsWithRevokePermission', () => {
  it('a subject with a revoke below the root is not unrestricted there', () => {
    const all = 'dummy:all-granted';
    const some = 'dummy:some-revoked';
    const rw: ResourceSpec[string] = [['READ', 'WRITE'], []];
    const e = compileEnforcer(
      policy({
        'connections-grant': entry([all, some], { 'thing:/': rw, 'policy:/': rw, 'message:/': rw }),
        'connections-revoke': entry([some], { 'thing:/features/Lamp': [[], ['READ', 'WRITE']] }),
      }),
    );
    const { unrestricted, partial } = e.subjectsWith('thing', '/', 'READ');
    expect([...unrestricted]).toEqual([all]);
    expect([...partial]).toEqual([some]);
  });
});

describe('subjectsWith classifies every subject on its own', () => {
  const e = compileEnforcer(
    policy({
      g: entry([A, B], { 'thing:/': [['READ'], []] }),
      r: entry([B], { 'thing:/a/b': [[], ['READ']] }),
      deep: entry(['x:deep'], { 'thing:/a/b/c': [['READ'], []] }),
      off: entry(['x:off'], { 'thing:/z': [['READ'], []] }),
    }),
  );
  it.each([
    ['/', [A], [B, 'x:deep', 'x:off']],
    ['/a', [A], [B, 'x:deep']],
    ['/a/b', [A], ['x:deep']],
    ['/a/b/c', [A, 'x:deep'], []],
    ['/a/b/c/d', [A, 'x:deep'], []],
    ['/z', [A, B, 'x:off'], []],
  ] as const)('%s', (path, unrestricted, partial) => {
    const result = e.subjectsWith('thing', path, 'READ');
    expect([...result.unrestricted].sort()).toEqual([...unrestricted].sort());
    expect([...result.partial].sort()).toEqual([...partial].sort());
  });
});

describe("the example of Ditto's basic-policy.md", () => {
  const e = compileEnforcer(DOC_EXAMPLE_POLICY);
  const city = '/features/featureX/properties/location/city';
  it.each([
    ['the owner reads and writes the thing', 'nginx:ditto', 'thing', '/', ['READ', 'WRITE'], true],
    ['the owner manages the policy', 'nginx:ditto', 'policy', '/', ['WRITE'], true],
    ['the owner may send messages', 'nginx:ditto', 'message', '/inbox/messages/x', ['WRITE'], true],
    ['the observer reads featureX', 'nginx:observer-client', 'thing', '/features/featureX', ['READ'], true],
    ['the observer reads the city', 'nginx:observer-client', 'thing', city, ['READ'], true],
    ['the observer does not write', 'nginx:observer-client', 'thing', '/features/featureX', ['WRITE'], false],
    [
      'the observer does not read attributes',
      'nginx:observer-client',
      'thing',
      '/attributes',
      ['READ'],
      false,
    ],
    ['some-users read featureY', 'nginx:some-users', 'thing', '/features/featureY', ['READ'], true],
    [
      'some-users do not read all of featureX',
      'nginx:some-users',
      'thing',
      '/features/featureX',
      ['READ'],
      false,
    ],
    ['some-users do not read the city', 'nginx:some-users', 'thing', city, ['READ'], false],
    [
      'some-users read the rest of the location',
      'nginx:some-users',
      'thing',
      '/features/featureX/properties/location/zip',
      ['READ'],
      true,
    ],
  ] as const)('%s', (_name, subject, type, path, perms, expected) => {
    expect(e.hasUnrestricted(type, path, [subject], perms)).toBe(expected);
  });
  it('some-users still read featureX partially', () => {
    expect(e.hasPartial('thing', '/features/featureX', ['nginx:some-users'], ['READ'])).toBe(true);
  });
});
