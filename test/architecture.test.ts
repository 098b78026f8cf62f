/**
 * The dependency rules of DESIGN.md §2, enforced on the source: arrows point inwards, the domain is
 * pure, adapters are reached only through their ports, and only the composition root wires them.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(e) && !/\.(test|testkit)\.tsx?$/.test(e)) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(
    /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  ))
    out.push((m[1] ?? m[2]) as string);
  return out;
}

function violations(files: string[], forbidden: (spec: string, file: string) => boolean): string[] {
  const out: string[] = [];
  for (const f of files)
    for (const spec of imports(f)) if (forbidden(spec, f)) out.push(`${relative(root, f)} imports ${spec}`);
  return out;
}

const server = (p: string) => join(root, 'packages/server/src', p);
/** Resolves a relative import to a path below packages/server/src. */
const target = (spec: string, file: string) => relative(server(''), resolve(file, '..', spec));

describe('dependency rules', () => {
  it('core is pure: no node:* modules, no other package of this repo, no third-party imports', () => {
    const files = sourceFiles(join(root, 'packages/core/src'));
    expect(files.length).toBeGreaterThan(5);
    expect(violations(files, (spec) => !spec.startsWith('.'))).toEqual([]);
  });

  it('things/ and policies/ import only @egiz/core and each other', () => {
    const files = [...sourceFiles(server('things')), ...sourceFiles(server('policies'))];
    expect(files.length).toBeGreaterThan(0);
    expect(
      violations(files, (spec, file) => {
        if (spec === '@egiz/core') return false;
        if (!spec.startsWith('.')) return true;
        const t = target(spec, file);
        return !(t.startsWith('things/') || t.startsWith('policies/'));
      }),
    ).toEqual([]);
  });

  it('only app/ imports concrete store and bus adapters', () => {
    const files = sourceFiles(server('')).filter((f) => !relative(server(''), f).startsWith('app/'));
    const adapterDirs = /^(store\/(sqlite|postgres)\/|store\/create-store|bus\/(memory|nats|kafka)\/)/;
    expect(
      violations(files, (spec, file) => {
        if (!spec.startsWith('.')) return false;
        const from = relative(server(''), file);
        const t = target(spec, file);
        const sameAdapter =
          adapterDirs.test(from) &&
          from.split('/').slice(0, 2).join('/') === t.split('/').slice(0, 2).join('/');
        return adapterDirs.test(t) && !sameAdapter && !from.startsWith('store/') && !from.startsWith('bus/');
      }),
    ).toEqual([]);
  });

  it('edges never touch the store', () => {
    const files = sourceFiles(server('edge'));
    expect(
      violations(files, (spec, file) => spec.startsWith('.') && target(spec, file).startsWith('store/')),
    ).toEqual([]);
  });

  it('the cli talks to the server only over its public API', () => {
    const files = sourceFiles(join(root, 'packages/cli/src'));
    expect(
      violations(files, (spec) => spec.includes('packages/server') || spec.startsWith('@egiz/server')),
    ).toEqual([]);
  });
});
