/**
 * The importer lookup of the search's reader rows: which policies a policy change reaches through
 * imports. Checked on hand-made import graphs and, as a property, against the enforcer's own import
 * resolution (PolicyEnforcers.importsWith): every policy whose resolution loads a changed policy is
 * found, whatever the graph (transitive chains, cycles, chains past the depth bound).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TRANSITIVE_DEPTH, type PolicyJson } from '@egiz/core';
import { PolicyEnforcers } from '../dispatch/policy-enforcers.js';
import type { PolicyRepository } from '../dispatch/policy-repository.js';
import type { EntityRecord, PolicyImportLink } from '../store/port.js';
import { policyImportRows } from '../store/search-index/policy-imports.js';
import { policyDependents, type ImportLinkLookup } from './policy-dependents.js';

type Imports = Record<string, { transitiveImports?: string[] }>;

const record = (id: string, imports: Imports): EntityRecord => ({
  kind: 'policy',
  id,
  revision: 1,
  deleted: false,
  created: 't',
  modified: 't',
  value: { policyId: id, entries: {}, imports },
});

/** The import index of `graph`, as the stores keep it, and a lookup that counts its calls. */
function indexOf(graph: Record<string, Imports>): ImportLinkLookup & { calls: number } {
  const links: PolicyImportLink[] = Object.entries(graph).flatMap(([importer, imports]) =>
    policyImportRows(record(importer, imports)).map(([imported, via]) => ({ importer, imported, via })),
  );
  const lookup = (keys: readonly { imported: string; via: string }[]) => {
    lookup.calls++;
    return Promise.resolve(
      links.filter((l) => keys.some((k) => k.imported === l.imported && k.via === l.via)),
    );
  };
  lookup.calls = 0;
  return lookup;
}

const dependentsOf = async (graph: Record<string, Imports>, ...changed: string[]) =>
  [...(await policyDependents(new Map(changed.map((id) => [id, 0])), indexOf(graph))).keys()].sort();

describe('policyDependents', () => {
  it('finds direct importers, and importers of importers only through a transitive import', async () => {
    const graph: Record<string, Imports> = {
      a: { p: {} },
      b: { p: {}, x: {} },
      // c imports a without transitive imports: a's import of p does not reach c.
      c: { a: {} },
      // d imports a and names p: a's entries come with those a imports from p.
      d: { a: { transitiveImports: ['p'] } },
      // e names something else: p does not reach e.
      e: { a: { transitiveImports: ['x'] } },
    };
    expect(await dependentsOf(graph, 'p')).toStrictEqual(['a', 'b', 'd']);
    expect(await dependentsOf(graph, 'x')).toStrictEqual(['b']);
    expect(await dependentsOf(graph, 'a')).toStrictEqual(['c', 'd', 'e']);
    expect(await dependentsOf(graph, 'nobody')).toStrictEqual([]);
  });

  it('follows a transitive chain level by level, with the tag of the last change that reaches it', async () => {
    const graph: Record<string, Imports> = {
      y: { x: {} },
      z: { y: { transitiveImports: ['x'] } },
      w: { z: { transitiveImports: ['y'] } },
      v: { w: { transitiveImports: ['q'] } },
    };
    expect(await dependentsOf(graph, 'x')).toStrictEqual(['w', 'y', 'z']);
    const tagged = await policyDependents(
      new Map([
        ['x', 3],
        ['y', 7],
      ]),
      indexOf(graph),
    );
    expect(Object.fromEntries(tagged)).toStrictEqual({ y: 3, z: 7, w: 7 });
  });

  it('ends on cycles and after MAX_TRANSITIVE_DEPTH + 1 levels', async () => {
    const cycle: Record<string, Imports> = {
      a: { b: { transitiveImports: ['a'] } },
      b: { a: { transitiveImports: ['b'] } },
    };
    const lookup = indexOf(cycle);
    const found = await policyDependents(new Map([['a', 0]]), lookup);
    expect([...found.keys()].sort()).toStrictEqual(['a', 'b']);
    expect(lookup.calls).toBeLessThanOrEqual(MAX_TRANSITIVE_DEPTH + 1);

    // p0 <- p1 <- p2 <- …, each naming the one below its import among its transitive imports.
    const chain: Record<string, Imports> = { p1: { p0: {} } };
    for (let i = 2; i <= MAX_TRANSITIVE_DEPTH + 3; i++)
      chain[`p${i}`] = { [`p${i - 1}`]: { transitiveImports: [`p${i - 2}`] } };
    const reached = await dependentsOf(chain, 'p0');
    expect(reached).toHaveLength(MAX_TRANSITIVE_DEPTH + 1);
    expect(reached).not.toContain(`p${MAX_TRANSITIVE_DEPTH + 2}`);
  });

  it('finds every policy whose resolution by the enforcer loads a changed policy', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const declaration = fc.record(
      { transitiveImports: fc.uniqueArray(fc.constantFrom(...ids), { maxLength: 3 }) },
      { requiredKeys: [] },
    );
    const graphs = fc.dictionary(
      fc.constantFrom(...ids),
      fc.dictionary(fc.constantFrom(...ids), declaration, { maxKeys: 3 }),
      { maxKeys: ids.length },
    );
    const enforcers = new PolicyEnforcers({} as PolicyRepository, { clock: () => new Date() });
    await fc.assert(
      fc.asyncProperty(graphs, fc.constantFrom(...ids), async (graph, changed) => {
        const policies = new Map(
          Object.entries(graph).map(([id, imports]) => [id, record(id, imports as Imports).value]),
        );
        const load = (id: string) => {
          const policy = policies.get(id);
          return Promise.resolve(policy && { policy, revision: 1 });
        };
        const found = new Set(await dependentsOf(graph, changed));
        for (const [id, policy] of policies) {
          const resolution = await enforcers.importsWith(load, [policy as unknown as PolicyJson]);
          const uses = resolution.loaded.has(changed) || resolution.missing.includes(changed);
          if (uses && id !== changed) expect(found, `${id} uses ${changed}`).toContain(id);
        }
      }),
      { numRuns: 300 },
    );
  });
});
