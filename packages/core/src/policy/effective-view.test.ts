import { describe, expect, it } from 'vitest';
import { readableEntries, sourcePolicyIds, traceEffectivePolicy } from './effective-view.js';
import { compileEnforcer, type Enforcer } from './enforcer.js';
import { entry } from './fixtures.testkit.js';
import { resolveImports } from './imports.js';
import type { JsonObject, PolicyJson } from './types.js';

const rw = { 'policy:/': [['READ', 'WRITE'], []] } as const;

const template: PolicyJson = {
  policyId: 'ns:template',
  entries: {
    T: entry(['x:t'], { 'thing:/a': [['READ'], []] }),
    ADMIN: entry(['x:admin'], rw, { importable: 'never' }),
  },
};
const main: PolicyJson = {
  policyId: 'ns:main',
  imports: { 'ns:template': {} },
  entries: {
    M: entry(['x:m'], { 'thing:/b': [['READ'], []] }),
    REF: {
      references: [{ entry: 'M' }, { import: 'ns:template', entry: 'T' }],
      subjects: { 'x:ref': { type: 't' } },
    },
    ADMIN: entry(['x:admin'], rw, { importable: 'never' }),
  },
};
const leaf: PolicyJson = {
  policyId: 'ns:leaf',
  imports: { 'ns:main': { transitiveImports: ['ns:template'] } },
  entries: { OWN: entry(['x:reader', 'x:admin'], rw) },
};
const root: PolicyJson = {
  policyId: 'ops:root',
  entries: {
    TENANT: entry(['x:tenant'], { 'thing:/': [['READ'], []] }),
    OP: entry(['x:admin'], rw, { importable: 'never' }),
  },
};
const loaded = new Map([
  ['ns:main', main],
  ['ns:template', template],
]);
const roots = [{ policyId: 'ops:root', policy: root, imported: new Map<string, PolicyJson>() }];

const MAIN_M = 'imported-ns:main-M';
const MAIN_REF = 'imported-ns:main-REF';
const MAIN_T = 'imported-ns:main-imported-ns:template-T';
const ROOT_TENANT = 'nsimported-ops:root-TENANT';

describe('traceEffectivePolicy', () => {
  const traced = traceEffectivePolicy(leaf, loaded, roots);

  it('holds the own, imported (transitive nested) and namespace root entries', () => {
    expect([...traced.keys()]).toEqual(['OWN', MAIN_M, MAIN_REF, MAIN_T, ROOT_TENANT]);
  });

  it('has the same imported entries as resolveImports, which the enforcer uses', () => {
    const resolved = resolveImports(leaf, loaded);
    for (const [label, e] of Object.entries(resolved.entries)) expect(traced.get(label)?.entry).toEqual(e);
  });

  it('lists every policy and label the content of an entry comes from', () => {
    expect(traced.get('OWN')?.sources).toEqual([{ policyId: 'ns:leaf', label: 'OWN' }]);
    expect(traced.get(MAIN_M)?.sources).toEqual([
      { policyId: 'ns:leaf', label: MAIN_M },
      { policyId: 'ns:main', label: 'M' },
    ]);
    expect(traced.get(MAIN_T)?.sources).toEqual([
      { policyId: 'ns:leaf', label: MAIN_T },
      { policyId: 'ns:main', label: 'imported-ns:template-T' },
      { policyId: 'ns:template', label: 'T' },
    ]);
    expect(traced.get(MAIN_REF)?.sources).toEqual([
      { policyId: 'ns:leaf', label: MAIN_REF },
      { policyId: 'ns:main', label: 'REF' },
      { policyId: 'ns:main', label: 'M' },
      { policyId: 'ns:main', label: 'imported-ns:template-T' },
      { policyId: 'ns:template', label: 'T' },
    ]);
    expect(traced.get(ROOT_TENANT)?.sources).toEqual([{ policyId: 'ops:root', label: 'TENANT' }]);
    expect(sourcePolicyIds(traced).sort()).toEqual(['ns:leaf', 'ns:main', 'ns:template', 'ops:root']);
  });

  it('never merges a root policy into itself and leaves out its non-implicit entries', () => {
    expect([...traceEffectivePolicy(root, new Map(), roots).keys()]).toEqual(['TENANT', 'OP']);
  });
});

describe('readableEntries', () => {
  const traced = traceEffectivePolicy(leaf, loaded, roots);
  const enforcers = (overrides: Record<string, PolicyJson>): ((id: string) => Enforcer | undefined) => {
    const all: Record<string, PolicyJson> = {
      'ns:leaf': leaf,
      'ns:main': main,
      'ns:template': template,
      'ops:root': root,
      ...overrides,
    };
    return (id) => {
      const p = all[id];
      return p === undefined ? undefined : compileEnforcer(resolveImports(p, loaded));
    };
  };

  it('shows everything to a caller who may read every source', () => {
    const readable = readableEntries(traced, enforcers({}), ['x:admin']);
    expect(Object.keys(readable)).toEqual(['OWN', MAIN_M, MAIN_REF, MAIN_T, ROOT_TENANT]);
    expect(readable[MAIN_REF]).toEqual(traced.get(MAIN_REF)?.entry);
  });

  it('drops entries from policies the caller cannot read, also at the origin of a transitive chain', () => {
    // x:reader may read the leaf and main, but not the template nor the root policy.
    const withReader = {
      ...main,
      entries: {
        ...main.entries,
        READER: entry(['x:reader'], { 'policy:/': [['READ'], []] }, { importable: 'never' }),
      },
    };
    const readable = readableEntries(traced, enforcers({ 'ns:main': withReader }), ['x:reader']);
    // MAIN_T passes main (where the reader may read it) but not its origin, the template;
    // MAIN_REF takes resources from the template by reference.
    expect(Object.keys(readable)).toEqual(['OWN', MAIN_M]);
  });

  it('cuts an entry to the part the caller may read in its source', () => {
    const partial = {
      ...main,
      entries: {
        ...main.entries,
        READER: entry(
          ['x:reader'],
          { 'policy:/': [['READ'], []], 'policy:/entries/M/subjects': [[], ['READ']] },
          { importable: 'never' },
        ),
      },
    };
    const readable = readableEntries(traced, enforcers({ 'ns:main': partial }), ['x:reader']);
    expect(readable[MAIN_M]).toEqual({ resources: { 'thing:/b': { grant: ['READ'], revoke: [] } } });
  });

  it('fails closed when a source has no enforcer, and for callers without subjects', () => {
    expect(Object.keys(readableEntries(traced, enforcers({}), []))).toEqual([]);
    const noTemplate = (id: string) => (id === 'ns:template' ? undefined : enforcers({})(id));
    expect(Object.keys(readableEntries(traced, noTemplate, ['x:admin']))).toEqual([
      'OWN',
      MAIN_M,
      ROOT_TENANT,
    ]);
  });

  it('keeps labels named like Object.prototype members as data', () => {
    const entries = Object.fromEntries([['__proto__', entry(['x:a'], rw)]]);
    const odd = traceEffectivePolicy({ policyId: 'ns:odd', entries }, new Map());
    const readable = readableEntries(odd, () => compileEnforcer({ entries: { a: entry(['x:a'], rw) } }), [
      'x:a',
    ]);
    expect(Object.keys(readable)).toEqual(['__proto__']);
    expect((readable as JsonObject)['__proto__']).toBeTypeOf('object');
  });
});
