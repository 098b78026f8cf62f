/**
 * End-to-end tests of `egiz import` / `egiz export` (NDJSON) as child processes against a real Egiz:
 * the round trip of 1,000 twins, idempotent re-import, moving twins with their policies to a fresh
 * server, and how failures are reported.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, cliSandbox, type CliSandbox } from '../packages/cli/src/cli-runner.testkit.js';
import { startServer, type TestServer } from './support/egiz-server.js';

let s: TestServer;
let cli: CliSandbox;

beforeAll(async () => {
  s = await startServer();
  cli = cliSandbox(s.url, { user: 'ditto', password: 'ditto' });
});
afterAll(async () => {
  cli.cleanup();
  await s.close();
});

function twin(i: number): Record<string, unknown> {
  return {
    thingId: `org.egiz.bulk:twin-${String(i).padStart(4, '0')}`,
    definition: 'org.egiz:sensor:1.0.0',
    attributes: {
      serial: `SN-${i}`,
      site: { hall: i % 7, row: Math.floor(i / 7) },
      tags: ['a', i % 2 ? 'odd' : 'even'],
    },
    features: {
      temperature: { properties: { value: 20 + (i % 10) / 10, unit: '°C' } },
      battery: { properties: { level: i % 100 }, desiredProperties: { mode: 'eco' } },
    },
  };
}

const parseLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('import / export round trip', () => {
  const twins = Array.from({ length: 1000 }, (_, i) => twin(i));
  const expected = twins.map((t) => ({ ...t, policyId: t.thingId }));
  let file: string;

  beforeAll(() => {
    file = join(cli.dir, 'twins.ndjson');
    writeFileSync(file, twins.map((t) => JSON.stringify(t)).join('\n') + '\n');
  });

  it('imports 1,000 twins, exports them again unchanged, and a re-import is idempotent', async () => {
    const imported = await cli.run(['import', file]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toBe('');
    expect(imported.stderr).toMatch(/imported 1000 things \(1000 created, 0 replaced\)/);

    // The import file doubles as the ids file (its lines carry thingId).
    const exported = await cli.run(['export', '--ids-file', file]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain('exported 1000 things');
    expect(parseLines(exported.stdout)).toEqual(expected);

    const again = await cli.run(['import', file]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/imported 1000 things \(0 created, 1000 replaced\)/);
    const res = await s.request(`/api/2/things/${String(twins[0]!.thingId)}?fields=_revision`);
    expect(await res.json()).toEqual({ _revision: 2 });
  }, 60_000);

  it('export by search pages through all 1,000 (in thingId order) and matches the import', async () => {
    const bySearch = await cli.run(['export', '--namespaces', 'org.egiz.bulk']);
    expect(bySearch.code, bySearch.stderr).toBe(0);
    expect(parseLines(bySearch.stdout)).toEqual(expected);
    expect((await cli.run(['count', '--namespaces', 'org.egiz.bulk'])).stdout).toBe('1000\n');
  }, 60_000);

  it('export --out writes a file; --fields selects; ids come from --ids too', async () => {
    const out = join(cli.dir, 'out.ndjson');
    const r = await cli.run(['export', '--ids-file', file, '--out', out, '--concurrency', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(parseLines(readFileSync(out, 'utf8'))).toEqual(expected);

    const ids = [twins[5]!.thingId, twins[3]!.thingId].join(',');
    const some = await cli.run(['export', '--ids', ids, '--fields', 'attributes/serial']);
    expect(parseLines(some.stdout)).toEqual([
      { thingId: twins[5]!.thingId, attributes: { serial: 'SN-5' } },
      { thingId: twins[3]!.thingId, attributes: { serial: 'SN-3' } },
    ]);
  });

  it('export --with-policy moves twins and their policies to a fresh server; stdin import', async () => {
    const subset = twins.slice(0, 50);
    const idsFile = join(cli.dir, 'ids.txt');
    writeFileSync(idsFile, '# fifty twins\n' + subset.map((t) => t.thingId).join('\n') + '\n');
    const exported = await cli.run(['export', '--ids-file', idsFile, '--with-policy']);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = parseLines(exported.stdout);
    expect(lines).toHaveLength(50);
    expect(lines[0]!._policy).toMatchObject({ entries: { DEFAULT: { subjects: { 'nginx:ditto': {} } } } });

    const fresh = await startServer();
    try {
      const target = cliSandbox(fresh.url, { user: 'ditto', password: 'ditto' });
      try {
        // Without the policies the fresh server refuses the twins (their policyId does not exist).
        const plain = await target.run(['import', '-', '--continue-on-error'], {
          input: parseLines(exported.stdout)
            .map(({ _policy, ...t }) => JSON.stringify(t))
            .join('\n'),
        });
        expect(plain.stderr).toContain('50 failed');
        expect(plain.stderr).toContain('things:thing.notcreatable');

        const r = await target.run(['import', '-'], { input: exported.stdout });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/imported 50 things \(50 created, 0 replaced\)/);
        const back = await target.run(['export', '--ids-file', idsFile]);
        expect(parseLines(back.stdout)).toEqual(expected.slice(0, 50));
      } finally {
        target.cleanup();
      }
    } finally {
      await fresh.close();
    }
  });
});

describe('progress on a terminal', () => {
  // `script` gives the CLI a pseudo-terminal, where the progress bar is drawn on stderr.
  const hasScript = spawnSync('script', ['--version']).status === 0;

  it.skipIf(!hasScript)('import draws a progress bar when stderr is a terminal', async () => {
    const file = join(cli.dir, 'progress.ndjson');
    writeFileSync(
      file,
      Array.from({ length: 300 }, (_, i) => JSON.stringify({ thingId: `org.egiz.progress:t-${i}` })).join(
        '\n',
      ),
    );
    const command = `${process.execPath} ${CLI_MAIN} import ${file}`;
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: {
          ...process.env,
          EGIZ_URL: s.url,
          EGIZ_USER: 'ditto',
          EGIZ_PASSWORD: 'ditto',
          EGIZ_CONFIG: join(cli.dir, 'none.json'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`exit ${String(code)}: ${out}`)),
      );
    });
    expect(output).toMatch(/import \[#*-*\] \d+\/300 \d+%/);
    expect(output).toContain('imported 300 things (300 created, 0 replaced)');
  });
});

describe('import / export failures', () => {
  const good = (i: number) => JSON.stringify({ thingId: `org.egiz.fail:t-${i}`, attributes: { i } });
  const lines = [
    good(1),
    good(2),
    'this is not json',
    '{"attributes":{}}',
    JSON.stringify({ thingId: 'org.egiz.fail:t-3', policyId: 'org.egiz.none:policy' }),
    good(4),
    '',
    good(5),
  ];

  it('without --continue-on-error the first failure stops the import with its exit code', async () => {
    const r = await cli.run(['import', '-', '--concurrency', '1'], { input: lines.join('\n') });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('line 3: import:line.invalid: not valid JSON');
    expect(r.stderr).toContain('import stopped at the first failure');
    expect(r.stderr).toMatch(/imported 2 things/);
    expect((await s.request('/api/2/things/org.egiz.fail:t-4')).status).toBe(404);
  });

  it('with --continue-on-error every line is tried, failures are summarized and kept with --failed-out', async () => {
    const failedOut = join(cli.dir, 'failed.ndjson');
    const r = await cli.run(['import', '-', '--continue-on-error', '--failed-out', failedOut], {
      input: lines.join('\n'),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/imported 4 things \(\d created, \d replaced\) in [\d.]+ s; 3 failed:/);
    expect(r.stderr).toContain('line 3: import:line.invalid: not valid JSON');
    expect(r.stderr).toContain('line 4: import:line.invalid: no thingId');
    expect(r.stderr).toContain('line 5 org.egiz.fail:t-3: things:thing.notcreatable (HTTP 400)');
    expect(readFileSync(failedOut, 'utf8').split('\n').filter(Boolean).sort()).toEqual(
      [lines[2], lines[3], lines[4]].sort(),
    );
    expect((await s.request('/api/2/things/org.egiz.fail:t-5')).status).toBe(200);
  });

  it('bad credentials stop the import with exit 3', async () => {
    const r = await cli.run(['import', '-', '--password', 'wrong'], { input: good(9) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('gateway:authentication.failed');
  });

  it('export lists ids that do not exist and exits 4, after writing the others', async () => {
    const r = await cli.run(['export', '--ids', 'org.egiz.fail:t-1,org.egiz.fail:nope,org.egiz.fail:t-2']);
    expect(r.code).toBe(4);
    expect(parseLines(r.stdout).map((t) => t.thingId)).toEqual(['org.egiz.fail:t-1', 'org.egiz.fail:t-2']);
    expect(r.stderr).toContain('1 thing not found or not readable');
    expect(r.stderr).toContain('org.egiz.fail:nope');
  });

  it('export refuses formats other than NDJSON and needs ids or a search', async () => {
    expect((await cli.run(['export', '--ids', 'a:b', '-o', 'yaml'])).code).toBe(2);
    const r = await cli.run(['export']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--ids or --ids-file, --filter and/or --namespaces, or --all');
  });
});
