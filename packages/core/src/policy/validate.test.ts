import { describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_POLICY } from './fixtures.testkit.js';
import { parseDuration, parseInstant } from './time.js';
import { validatePolicy } from './validate.js';

const ok = (resources: object = { 'thing:/': { grant: ['READ'], revoke: [] } }): object => ({
  subjects: { 'nginx:alice': { type: 'user' } },
  resources,
});

/** The issues of a policy with one entry `label` built from `entry`. */
function issuesOf(entry: unknown, label = 'owner'): { path: string; code: string }[] {
  return validatePolicy({ policyId: 'ns:p', entries: { [label]: entry } }).map(({ path, code }) => ({
    path,
    code,
  }));
}

describe('validatePolicy: valid documents', () => {
  it('accepts the basic-policy.md example (repaired)', () => {
    expect(validatePolicy(DOC_EXAMPLE_POLICY)).toEqual([]);
  });
  it('flags the example as printed in basic-policy.md, where resources sit inside subjects', () => {
    const printed = {
      ...DOC_EXAMPLE_POLICY,
      entries: {
        ...DOC_EXAMPLE_POLICY.entries,
        private: {
          subjects: {
            'nginx:some-users': { type: 'a group of users' },
            resources: {
              'thing:/features/featureX/properties/location/city': { grant: [], revoke: ['READ'] },
            },
          },
        },
      },
    };
    expect(validatePolicy(printed).map((i) => [i.path, i.code])).toEqual([
      ['/entries/private/subjects/resources', 'policies:subjectid.invalid'],
      ['/entries/private/subjects/resources/type', 'json.field.missing'],
    ]);
  });
  it('accepts every optional field Ditto knows', () => {
    const policy = {
      policyId: 'com.acme:tenant-policy',
      _revision: 3,
      imports: {
        'com.acme:templates': { entries: ['EXPLICIT'], transitiveImports: ['com.acme:base'] },
        'com.acme:other': {},
      },
      entries: {
        DEFAULT: {
          subjects: {
            'nginx:alice': {
              type: 'user',
              expiry: '2099-12-31T23:59:59Z',
              announcement: {
                beforeExpiry: '1h',
                whenDeleted: true,
                requestedAcks: { labels: ['my-connection:ack'], timeout: '10s' },
                randomizationInterval: '60s',
              },
            },
            'https://issuer.example.com:user-1': { type: 'jwt' },
            '{{ header:x-user }}': { type: 'placeholder' },
          },
          resources: {
            'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
            'policy:/entries/DEFAULT/actions/activateTokenIntegration': { grant: ['EXECUTE'], revoke: [] },
            'message:/inbox/messages/x': { grant: [], revoke: ['WRITE'] },
          },
          namespaces: ['com.acme', 'com.acme.*'],
          importable: 'explicit',
          allowedAdditions: ['subjects'],
        },
        referencing: {
          references: [{ import: 'com.acme:templates', entry: 'EXPLICIT' }, { entry: 'DEFAULT' }],
          subjects: { 'nginx:bob': { type: 'user' } },
        },
        empty: {},
      },
    };
    expect(validatePolicy(policy)).toEqual([]);
  });
  it('policyId may be absent (the HTTP API takes it from the URL)', () => {
    expect(validatePolicy({ entries: {} })).toEqual([]);
  });
});

describe('validatePolicy: problems and where they are', () => {
  it.each<[string, unknown, [string, string][]]>([
    ['not an object', 42, [['', 'json.invalid']]],
    ['entries missing', { policyId: 'a:b' }, [['/entries', 'json.field.missing']]],
    ['entries not an object', { entries: [] }, [['/entries', 'json.invalid']]],
    ['bad policy id', { policyId: 'no-colon', entries: {} }, [['/policyId', 'policies:id.invalid']]],
    ['policy id with a slash', { policyId: 'a:b/c', entries: {} }, [['/policyId', 'policies:id.invalid']]],
    [
      'policy id too long',
      { policyId: 'a:' + 'x'.repeat(255), entries: {} },
      [['/policyId', 'policies:id.invalid']],
    ],
    [
      'namespace starting with a digit',
      { policyId: '1a:b', entries: {} },
      [['/policyId', 'policies:id.invalid']],
    ],
  ])('%s', (_name, json, expected) => {
    expect(validatePolicy(json).map((i) => [i.path, i.code])).toEqual(expected);
  });

  it.each<[string, string, [string, string][]]>([
    ['empty label', '', [['/entries/', 'policies:label.invalid']]],
    ['reserved prefix imported', 'imported-x', [['/entries/imported-x', 'policies:label.invalid']]],
    ['reserved bare prefix', 'importedFoo', [['/entries/importedFoo', 'policies:label.invalid']]],
    ['reserved prefix nsimported', 'nsimported-x', [['/entries/nsimported-x', 'policies:label.invalid']]],
    ['slash in a label', 'a/b', [['/entries/a~1b', 'policies:entry.invalid']]],
    ['control character in a label', 'a\u0007b', [['/entries/a\u0007b', 'policies:entry.invalid']]],
    [
      'Latin-1 character in a label (Ditto rejects U+0080-U+00FF)',
      'caf\u00e9',
      [['/entries/caf\u00e9', 'policies:entry.invalid']],
    ],
  ])('%s', (_name, label, expected) => {
    expect(issuesOf(ok(), label).map((i) => [i.path, i.code])).toEqual(expected);
  });

  it('rejects Latin-1 letters like Ä but allows other unicode in labels, as Ditto does', () => {
    expect(issuesOf(ok(), 'Ärger-\u4e2d')).toEqual([
      { path: '/entries/Ärger-\u4e2d', code: 'policies:entry.invalid' },
    ]);
    expect(issuesOf(ok(), '\u4e2d\u6587')).toEqual([]);
  });

  it.each<[string, unknown, [string, string][]]>([
    ['entry not an object', [], [['/entries/owner', 'json.invalid']]],
    ['subjects not an object', { subjects: [] }, [['/entries/owner/subjects', 'json.invalid']]],
    [
      'subject id without issuer',
      { subjects: { alice: { type: 'u' } } },
      [['/entries/owner/subjects/alice', 'policies:subjectid.invalid']],
    ],
    [
      'subject id with empty subject',
      { subjects: { 'nginx:': { type: 'u' } } },
      [['/entries/owner/subjects/nginx:', 'policies:subjectid.invalid']],
    ],
    [
      'URL issuer without subject',
      { subjects: { 'https://x.y': { type: 'u' } } },
      [['/entries/owner/subjects/https:~1~1x.y', 'policies:subjectid.invalid']],
    ],
    [
      'subject not an object',
      { subjects: { 'a:b': 'u' } },
      [['/entries/owner/subjects/a:b', 'json.invalid']],
    ],
    [
      'subject without type',
      { subjects: { 'a:b': {} } },
      [['/entries/owner/subjects/a:b/type', 'json.field.missing']],
    ],
    [
      'subject with empty type',
      { subjects: { 'a:b': { type: '' } } },
      [['/entries/owner/subjects/a:b/type', 'json.invalid']],
    ],
    [
      'unparseable expiry',
      { subjects: { 'a:b': { type: 'u', expiry: 'tomorrow' } } },
      [['/entries/owner/subjects/a:b/expiry', 'policies:subjectexpiry.invalid']],
    ],
    [
      'expiry without zone',
      { subjects: { 'a:b': { type: 'u', expiry: '2030-01-01T00:00:00' } } },
      [['/entries/owner/subjects/a:b/expiry', 'policies:subjectexpiry.invalid']],
    ],
    [
      'impossible expiry date',
      { subjects: { 'a:b': { type: 'u', expiry: '2030-02-30T00:00:00Z' } } },
      [['/entries/owner/subjects/a:b/expiry', 'policies:subjectexpiry.invalid']],
    ],
    [
      'beforeExpiry in days',
      { subjects: { 'a:b': { type: 'u', announcement: { beforeExpiry: '1d' } } } },
      [['/entries/owner/subjects/a:b/announcement/beforeExpiry', 'policies:subjectannouncement.invalid']],
    ],
    [
      'bad ack timeout',
      { subjects: { 'a:b': { type: 'u', announcement: { requestedAcks: { timeout: 'soon' } } } } },
      [
        [
          '/entries/owner/subjects/a:b/announcement/requestedAcks/timeout',
          'policies:subjectannouncement.invalid',
        ],
      ],
    ],
    [
      'whenDeleted not boolean',
      { subjects: { 'a:b': { type: 'u', announcement: { whenDeleted: 'yes' } } } },
      [['/entries/owner/subjects/a:b/announcement/whenDeleted', 'policies:subjectannouncement.invalid']],
    ],
    ['resources not an object', { resources: 1 }, [['/entries/owner/resources', 'json.invalid']]],
    [
      'resource key without type',
      { resources: { '/attributes': { grant: [], revoke: [] } } },
      [['/entries/owner/resources/~1attributes', 'policies:entry.invalid']],
    ],
    [
      'unknown resource type',
      { resources: { 'feature:/x': { grant: [], revoke: [] } } },
      [['/entries/owner/resources/feature:~1x', 'policies:entry.invalid']],
    ],
    [
      'double slash in a resource path',
      { resources: { 'thing:/a//b': { grant: [], revoke: [] } } },
      [['/entries/owner/resources/thing:~1a~1~1b', 'policies:entry.invalid']],
    ],
    [
      'grant missing',
      { resources: { 'thing:/': { revoke: [] } } },
      [['/entries/owner/resources/thing:~1/grant', 'json.field.missing']],
    ],
    [
      'revoke not an array',
      { resources: { 'thing:/': { grant: [], revoke: 'READ' } } },
      [['/entries/owner/resources/thing:~1/revoke', 'json.invalid']],
    ],
    [
      'unknown permission',
      { resources: { 'thing:/': { grant: ['read'], revoke: [] } } },
      [['/entries/owner/resources/thing:~1/grant/0', 'policies:entry.invalid']],
    ],
    [
      'non-string permission',
      { resources: { 'thing:/': { grant: [null], revoke: [] } } },
      [['/entries/owner/resources/thing:~1/grant/0', 'json.invalid']],
    ],
    [
      'bad namespace pattern',
      { namespaces: ['com.acme', 'com.*.x'] },
      [['/entries/owner/namespaces/1', 'policies:entry.invalid']],
    ],
    ['namespaces not an array', { namespaces: 'com.acme' }, [['/entries/owner/namespaces', 'json.invalid']]],
    ['bad importable', { importable: 'always' }, [['/entries/owner/importable', 'policies:entry.invalid']]],
    [
      'bad allowed addition',
      { allowedAdditions: ['everything'] },
      [['/entries/owner/allowedAdditions/0', 'policies:entry.invalid']],
    ],
    ['references not an array', { references: {} }, [['/entries/owner/references', 'json.invalid']]],
    [
      'reference without entry',
      { references: [{}] },
      [['/entries/owner/references/0/entry', 'json.field.missing']],
    ],
  ])('%s', (_name, entry, expected) => {
    expect(issuesOf(entry).map((i) => [i.path, i.code])).toEqual(expected);
  });

  it('reports every problem, not just the first', () => {
    const issues = issuesOf({ subjects: { x: {} }, resources: { 'y:/': { grant: ['NOPE'] } } });
    expect(issues.map((i) => i.code)).toEqual([
      'policies:subjectid.invalid',
      'json.field.missing',
      'policies:entry.invalid',
      'policies:entry.invalid',
      'json.field.missing',
    ]);
  });
});

describe('validatePolicy: imports and references', () => {
  const withImports = (imports: unknown, entries: object = {}): [string, string][] =>
    validatePolicy({ policyId: 'ns:me', imports, entries }).map((i) => [i.path, i.code]);

  it('limits the number of imports to 10 by default', () => {
    const imports = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`ns:p${i}`, {}]));
    expect(withImports(imports)).toEqual([['/imports', 'policies:imports.toolarge']]);
    expect(validatePolicy({ imports, entries: {} }, { maxImports: 11 })).toEqual([]);
  });
  it.each<[string, unknown, [string, string][]]>([
    ['imports not an object', [], [['/imports', 'json.invalid']]],
    ['invalid imported id', { nope: {} }, [['/imports/nope', 'policies:import.invalid']]],
    ['self import', { 'ns:me': {} }, [['/imports/ns:me', 'policies:import.invalid']]],
    ['import not an object', { 'ns:x': true }, [['/imports/ns:x', 'json.invalid']]],
    ['entries not strings', { 'ns:x': { entries: [1] } }, [['/imports/ns:x/entries/0', 'json.invalid']]],
    [
      'transitive self import',
      { 'ns:x': { transitiveImports: ['ns:me'] } },
      [['/imports/ns:x/transitiveImports/0', 'policies:import.invalid']],
    ],
    [
      'transitive invalid id',
      { 'ns:x': { transitiveImports: ['x'] } },
      [['/imports/ns:x/transitiveImports/0', 'policies:import.invalid']],
    ],
  ])('%s', (_name, imports, expected) => {
    expect(withImports(imports)).toEqual(expected);
  });
  it.each<[string, object, [string, string][]]>([
    [
      'local reference to a missing entry',
      { a: { references: [{ entry: 'b' }] } },
      [['/entries/a/references/0', 'policies:entry.invalid']],
    ],
    [
      'self reference',
      { a: { references: [{ entry: 'a' }] } },
      [['/entries/a/references/0', 'policies:entry.invalid']],
    ],
    [
      'reference to a never-importable entry',
      { a: { references: [{ entry: 'b' }] }, b: { importable: 'never' } },
      [['/entries/a/references/0', 'policies:entry.invalid']],
    ],
    [
      'duplicate reference',
      { a: { references: [{ entry: 'b' }, { entry: 'b' }] }, b: {} },
      [['/entries/a/references/1', 'policies:entry.invalid']],
    ],
    [
      'reference to an undeclared import',
      { a: { references: [{ import: 'ns:other', entry: 'x' }] } },
      [['/entries/a/references/0', 'policies:entry.invalid']],
    ],
    ['reference to a declared import', { a: { references: [{ import: 'ns:x', entry: 'x' }] } }, []],
    [
      'a local and an import reference to the same label are distinct',
      { a: { references: [{ import: 'ns:x', entry: 'b' }, { entry: 'b' }] }, b: {} },
      [],
    ],
  ])('%s', (_name, entries, expected) => {
    expect(withImports({ 'ns:x': {} }, entries)).toEqual(expected);
  });
});

describe('time parsing', () => {
  it.each([
    ['2030-01-01T00:00:00Z', Date.UTC(2030, 0, 1)],
    ['2030-01-01T00:00Z', Date.UTC(2030, 0, 1)],
    ['2030-01-01T00:00:00.123456789Z', Date.UTC(2030, 0, 1, 0, 0, 0, 123)],
    ['2030-01-01T01:30:00+01:30', Date.UTC(2030, 0, 1)],
    ['2029-12-31T22:00:00-02:00', Date.UTC(2030, 0, 1)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('instant %s', (text, expected) => {
    expect(parseInstant(text)).toBe(expected);
  });
  it.each([
    '2030-01-01',
    '2030-01-01T00:00:00',
    '2023-02-29T00:00:00Z',
    '2030-13-01T00:00:00Z',
    '2030-01-01T24:00:00Z',
    'x',
  ])('rejects instant %s', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
  it('durations', () => {
    expect(parseDuration('10')).toEqual({ amount: 10, unit: 's' });
    expect(parseDuration('500ms')).toEqual({ amount: 500, unit: 'ms' });
    expect(parseDuration('2mo')).toEqual({ amount: 2, unit: 'mo' });
    expect(parseDuration('1m')).toEqual({ amount: 1, unit: 'm' });
    expect(parseDuration('-1s')).toBeUndefined();
    expect(parseDuration('1 h')).toBeUndefined();
  });
});
