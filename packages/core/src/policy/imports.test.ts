import { describe, expect, it } from 'vitest';
import { compileEnforcer } from './enforcer.js';
import { entry, policy } from './fixtures.testkit.js';
import { importedPolicyIds, PolicyImportError, resolveImports } from './imports.js';
import { mergeNamespaceRootPolicy } from './namespace-root.js';
import type { PolicyJson } from './types.js';

const read = { 'thing:/': [['READ'], []] } as const;

const TEMPLATE: PolicyJson = policy(
  {
    DEFAULT: entry(['t:default'], read),
    IMPLICIT: entry(['t:implicit'], read, { importable: 'implicit' }),
    EXPLICIT: entry(['t:explicit'], read, { importable: 'explicit' }),
    NEVER: entry(['t:never'], read, { importable: 'never' }),
  },
  'ns:template',
);

describe('resolveImports: importable', () => {
  const importing = (entries?: string[]): PolicyJson => ({
    policyId: 'ns:importing',
    imports: { 'ns:template': entries === undefined ? {} : { entries } },
    entries: { own: entry(['t:own'], { 'policy:/': [['READ', 'WRITE'], []] }) },
  });
  const labels = (p: PolicyJson): string[] => Object.keys(p.entries).sort();
  const loaded = new Map([['ns:template', TEMPLATE]]);

  it('imports implicit entries, also when importable is absent, as imported-<id>-<label>', () => {
    expect(labels(resolveImports(importing(), loaded))).toEqual([
      'imported-ns:template-DEFAULT',
      'imported-ns:template-IMPLICIT',
      'own',
    ]);
  });
  it('imports explicit entries only when listed; never entries never', () => {
    expect(labels(resolveImports(importing(['EXPLICIT', 'NEVER']), loaded))).toEqual([
      'imported-ns:template-DEFAULT',
      'imported-ns:template-EXPLICIT',
      'imported-ns:template-IMPLICIT',
      'own',
    ]);
  });
  it('the imported entries take effect in the enforcer', () => {
    const e = compileEnforcer(resolveImports(importing(['EXPLICIT']), loaded));
    for (const [s, expected] of [
      ['t:own', false],
      ['t:default', true],
      ['t:implicit', true],
      ['t:explicit', true],
      ['t:never', false],
    ] as const) {
      expect(e.hasUnrestricted('thing', '/', [s], ['READ']), s).toBe(expected);
    }
  });
  it('keeps the policy itself untouched and the other fields as they were', () => {
    const p = importing();
    const resolved = resolveImports(p, loaded);
    expect(resolved.policyId).toBe('ns:importing');
    expect(resolved.imports).toBe(p.imports);
    expect(Object.keys(p.entries)).toEqual(['own']);
  });
  it('an imported policy that could not be loaded contributes nothing', () => {
    expect(labels(resolveImports(importing(), new Map()))).toEqual(['own']);
  });
  it('a policy without imports comes back with the same entries', () => {
    const p = policy({ a: entry(['x:y'], read) });
    expect(resolveImports(p, new Map())).toEqual(p);
  });
  it('refuses more than maxImports imports', () => {
    const imports = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`ns:p${i}`, {}]));
    const p: PolicyJson = { policyId: 'ns:me', imports, entries: {} };
    expect(() => resolveImports(p, new Map())).toThrow(PolicyImportError);
    try {
      resolveImports(p, new Map());
    } catch (error) {
      expect((error as PolicyImportError).code).toBe('policies:imports.toolarge');
    }
    expect(() => resolveImports(p, new Map(), { maxImports: 11 })).not.toThrow();
  });
  it("does not carry over an imported policy's own imports", () => {
    const middle: PolicyJson = {
      policyId: 'ns:middle',
      imports: { 'ns:template': {} },
      entries: { M: entry(['t:middle'], read) },
    };
    const top: PolicyJson = { policyId: 'ns:top', imports: { 'ns:middle': {} }, entries: {} };
    const all = new Map([
      ['ns:middle', middle],
      ['ns:template', TEMPLATE],
    ]);
    expect(labels(resolveImports(top, all))).toEqual(['imported-ns:middle-M']);
  });
});

describe('resolveImports: transitive imports and references', () => {
  // The three-level hierarchy of basic-policy.md's "transitiveImports" section.
  const roles: PolicyJson = {
    policyId: 'acme:fleet-roles',
    entries: {
      driver: {
        subjects: {},
        resources: {
          'thing:/features/location': { grant: ['READ'], revoke: [] },
          'thing:/features/fuel': { grant: ['READ'], revoke: [] },
          'message:/features/fuel/inbox': { grant: ['WRITE'], revoke: [] },
        },
        namespaces: ['acme.vehicle'],
        allowedAdditions: ['subjects'],
        importable: 'implicit',
      },
    },
  };
  const west: PolicyJson = {
    policyId: 'acme:fleet-west',
    imports: { 'acme:fleet-roles': {} },
    entries: {
      driver: {
        references: [{ import: 'acme:fleet-roles', entry: 'driver' }],
        subjects: {
          'oauth2:alice@acme.com': { type: 'employee' },
          'oauth2:bob@acme.com': { type: 'employee' },
        },
      },
    },
  };
  const truck: PolicyJson = {
    policyId: 'acme.vehicle:truck-42',
    imports: { 'acme:fleet-west': { transitiveImports: ['acme:fleet-roles'] } },
    entries: {
      driver: {
        references: [{ import: 'acme:fleet-west', entry: 'driver' }],
        subjects: { 'oauth2:charlie@acme.com': { type: 'temp-driver' } },
      },
      owner: {
        subjects: { 'oauth2:fleet-admin@acme.com': { type: 'admin' } },
        resources: { 'policy:/': { grant: ['READ', 'WRITE'], revoke: [] } },
      },
    },
  };

  it('importedPolicyIds lists direct imports, then what transitiveImports reach through loaded policies', () => {
    expect(importedPolicyIds(truck)).toEqual(['acme:fleet-west']);
    expect(importedPolicyIds(truck, new Map([['acme:fleet-west', west]]))).toEqual([
      'acme:fleet-west',
      'acme:fleet-roles',
    ]);
  });

  it('resolves the template resources with subjects from every level', () => {
    const loaded = new Map([
      ['acme:fleet-west', west],
      ['acme:fleet-roles', roles],
    ]);
    const resolved = resolveImports(truck, loaded);
    const driver = resolved.entries['driver'];
    expect(Object.keys(driver?.subjects ?? {}).sort()).toEqual([
      'oauth2:alice@acme.com',
      'oauth2:bob@acme.com',
      'oauth2:charlie@acme.com',
    ]);
    expect(Object.keys(driver?.resources ?? {}).sort()).toEqual([
      'message:/features/fuel/inbox',
      'thing:/features/fuel',
      'thing:/features/location',
    ]);
    expect(driver?.namespaces).toEqual(['acme.vehicle']);
    const e = compileEnforcer(resolved, { namespace: 'acme.vehicle' });
    for (const s of ['oauth2:alice@acme.com', 'oauth2:charlie@acme.com']) {
      expect(e.hasUnrestricted('thing', '/features/fuel', [s], ['READ'])).toBe(true);
      expect(e.hasUnrestricted('thing', '/attributes', [s], ['READ'])).toBe(false);
    }
    expect(
      compileEnforcer(resolved, { namespace: 'acme.other' }).hasPartial(
        'thing',
        '/',
        ['oauth2:alice@acme.com'],
        ['READ'],
      ),
    ).toBe(false);
  });

  it('without transitiveImports the reference reaches an entry that has no resources', () => {
    const plain: PolicyJson = { ...truck, imports: { 'acme:fleet-west': {} } };
    const loaded = new Map([
      ['acme:fleet-west', west],
      ['acme:fleet-roles', roles],
    ]);
    const e = compileEnforcer(resolveImports(plain, loaded));
    expect(e.hasPartial('thing', '/', ['oauth2:charlie@acme.com'], ['READ'])).toBe(false);
  });

  it('allowedAdditions strips own resources the template does not allow', () => {
    const p: PolicyJson = {
      policyId: 'acme:p',
      imports: { 'acme:fleet-roles': {} },
      entries: {
        driver: {
          references: [{ import: 'acme:fleet-roles', entry: 'driver' }],
          subjects: { 'x:me': { type: 't' } },
          resources: { 'thing:/attributes': { grant: ['READ'], revoke: [] } },
        },
      },
    };
    const resolved = resolveImports(p, new Map([['acme:fleet-roles', roles]]));
    expect(Object.keys(resolved.entries['driver']?.resources ?? {})).not.toContain('thing:/attributes');
    expect(resolved.entries['driver']?.allowedAdditions).toEqual(['subjects']);
  });

  it('local references merge raw content one level deep and union grants and revokes', () => {
    const p = policy({
      base: entry(['x:base'], { 'thing:/': [['READ'], []], 'thing:/secret': [[], ['READ']] }),
      user: {
        references: [{ entry: 'base' }],
        subjects: { 'x:user': { type: 't' } },
        resources: {
          'thing:/': { grant: ['WRITE'], revoke: [] },
          'thing:secret': { grant: ['READ'], revoke: [] },
        },
      },
    });
    const resolved = resolveImports(p, new Map());
    expect(resolved.entries['user']?.resources).toEqual({
      'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
      'thing:/secret': { grant: ['READ'], revoke: ['READ'] },
    });
    expect(Object.keys(resolved.entries['user']?.subjects ?? {})).toEqual(['x:base', 'x:user']);
    const e = compileEnforcer(resolved);
    expect(e.hasUnrestricted('thing', '/secret', ['x:user'], ['READ'])).toBe(false);
    expect(e.hasUnrestricted('thing', '/other', ['x:user'], ['READ', 'WRITE'])).toBe(true);
  });

  it('a chain deeper than 10 transitive levels is refused', () => {
    const loaded = new Map<string, PolicyJson>();
    for (let i = 0; i < 13; i++) {
      loaded.set(`ns:p${i}`, {
        policyId: `ns:p${i}`,
        imports: { [`ns:p${i + 1}`]: { transitiveImports: [`ns:p${i + 2}`] } },
        entries: { e: entry([`x:${i}`], read) },
      });
    }
    const top: PolicyJson = {
      policyId: 'ns:top',
      imports: { 'ns:p0': { transitiveImports: ['ns:p1'] } },
      entries: {},
    };
    expect(() => resolveImports(top, loaded)).toThrow(/maximum transitive resolution depth/);
  });

  it('a transitive cycle is broken by the visited set', () => {
    const a: PolicyJson = {
      policyId: 'ns:a',
      imports: { 'ns:b': { transitiveImports: ['ns:a'] } },
      entries: { A: entry(['x:a'], read) },
    };
    const b: PolicyJson = {
      policyId: 'ns:b',
      imports: { 'ns:a': { transitiveImports: ['ns:b'] } },
      entries: { B: entry(['x:b'], read) },
    };
    const top: PolicyJson = {
      policyId: 'ns:top',
      imports: { 'ns:a': { transitiveImports: ['ns:b'] } },
      entries: {},
    };
    const resolved = resolveImports(
      top,
      new Map([
        ['ns:a', a],
        ['ns:b', b],
      ]),
    );
    expect(Object.keys(resolved.entries).sort()).toEqual([
      'imported-ns:a-A',
      'imported-ns:a-imported-ns:b-B',
      'imported-ns:a-imported-ns:b-imported-ns:a-A',
    ]);
  });
});

describe('namespace root policies', () => {
  it('merges implicit entries as nsimported-<id>-<label>', () => {
    const root = policy(
      {
        TENANT_READER: entry(['pre:tenant-reader'], read, { importable: 'implicit' }),
        ADMIN: entry(['pre:admin'], read, { importable: 'explicit' }),
      },
      'org.eclipse.ditto:tenant-root',
    );
    const local = policy({ TENANT_READER: entry(['pre:local'], read) }, 'org.eclipse.ditto.sensors:p');
    const merged = mergeNamespaceRootPolicy(local, 'org.eclipse.ditto:tenant-root', root);
    expect(Object.keys(merged.entries)).toEqual([
      'TENANT_READER',
      'nsimported-org.eclipse.ditto:tenant-root-TENANT_READER',
    ]);
    expect(mergeNamespaceRootPolicy(root, 'org.eclipse.ditto:tenant-root', root)).toBe(root);
  });
});
