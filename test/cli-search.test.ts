/**
 * End-to-end tests of `egiz search`, `egiz count` and `egiz export` by search: the built CLI runs as
 * a child process against a real Egiz started in this process. Results span several pages, so the
 * cursor paging is exercised for real; errors map to exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, type CliSandbox } from '../packages/cli/src/cli-runner.testkit.js';
import { startServer, type TestServer } from './support/egiz-server.js';

let s: TestServer;
let cli: CliSandbox;
const TOTAL = 450;
const idOf = (i: number) => `cli.search:twin-${String(i).padStart(3, '0')}`;
const bob = { env: { EGIZ_USER: 'bob', EGIZ_PASSWORD: 'bob-pw' } };

const lines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  s = await startServer();
  cli = cliSandbox(s.url, { user: 'ditto', password: 'ditto' });
  const input = Array.from({ length: TOTAL }, (_, i) =>
    JSON.stringify({
      thingId: idOf(i),
      attributes: { n: i, group: i % 3, name: `twin ${i}` },
      features: { battery: { properties: { level: i % 100 } } },
    }),
  ).join('\n');
  const r = await cli.run(['import', '-'], { input });
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  cli.cleanup();
  await s.close();
});

describe('search', () => {
  it('follows the cursor through every page (-o ndjson), in thingId order by default', async () => {
    const r = await cli.run([
      'search',
      '--namespaces',
      'cli.search',
      '--fields',
      'thingId',
      '--page-size',
      '100',
      '-o',
      'ndjson',
      '-v',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual(Array.from({ length: TOTAL }, (_, i) => ({ thingId: idOf(i) })));
    const requests = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('> GET') && l.includes('/search/things'));
    expect(requests).toHaveLength(5);
    expect(requests[0]).not.toContain('cursor');
    for (const later of requests.slice(1)) expect(decodeURIComponent(later)).toMatch(/cursor\(/);
  });

  it('--sort, --limit and --fields; JSON in pipes, a table with one column per field on request', async () => {
    const top = (await cli.json([
      'search',
      '--namespaces',
      'cli.search',
      '--sort',
      '-attributes/n',
      '--limit',
      '3',
      '--fields',
      'thingId,attributes/n',
    ])) as unknown[];
    expect(top).toEqual([
      { thingId: idOf(449), attributes: { n: 449 } },
      { thingId: idOf(448), attributes: { n: 448 } },
      { thingId: idOf(447), attributes: { n: 447 } },
    ]);
    // A limit above one page still pages (200 + 50).
    const many = (await cli.json(['search', '--namespaces', 'cli.search', '--limit', '250'])) as unknown[];
    expect(many).toHaveLength(250);
    expect(many[0]).toMatchObject({ thingId: idOf(0), attributes: { n: 0 }, features: { battery: {} } });

    const table = await cli.run([
      'search',
      '--filter',
      'and(eq(attributes/group,2),lt(attributes/n,9))',
      '--sort',
      'attributes/n',
      '--fields',
      'thingId,attributes/n,features/battery/properties/level',
      '-o',
      'table',
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(
      table.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.trimEnd().split(/\s{2,}/)),
    ).toEqual([
      ['thingId', 'attributes/n', 'features/battery/properties/level'],
      [idOf(2), '2', '2'],
      [idOf(5), '5', '5'],
      [idOf(8), '8', '8'],
    ]);
  });

  it('count prints the bare number; the search only finds what the caller may read', async () => {
    expect((await cli.run(['count', '--namespaces', 'cli.search'])).stdout).toBe(`${TOTAL}\n`);
    expect((await cli.run(['count', '--filter', 'eq(attributes/group,1)'])).stdout).toBe('150\n');
    expect(await cli.json(['count', '--filter', 'gt(attributes/n,1000)'])).toBe(0);
    expect(await cli.json(['count', '--namespaces', 'cli.search'], bob)).toBe(0);
    expect(await cli.json(['search', '--namespaces', 'cli.search'], bob)).toEqual([]);
  });

  it('errors: the server refuses a wildcard sort (exit 6), bad credentials exit 3, no server exits 7', async () => {
    const bad = await cli.run(['search', '--sort', 'features/*/properties/level']);
    expect(bad.code).toBe(6);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('thing-search:search.option.invalid');
    const auth = await cli.run(['count'], { env: { EGIZ_PASSWORD: 'wrong' } });
    expect(auth.code).toBe(3);
    expect(auth.stderr).toContain('gateway:authentication.failed');
    const down = await cli.run(['search'], { env: { EGIZ_URL: 'http://127.0.0.1:9' } });
    expect(down.code).toBe(7);
    expect(down.stderr).toContain('cannot reach http://127.0.0.1:9');
  });
});

describe('export by search', () => {
  it('--namespaces exports every match across pages; --filter narrows; --with-policy works the same', async () => {
    const all = await cli.run(['export', '--namespaces', 'cli.search']);
    expect(all.code, all.stderr).toBe(0);
    const things = lines(all.stdout);
    expect(things).toHaveLength(TOTAL);
    expect(things[7]).toEqual({
      thingId: idOf(7),
      policyId: idOf(7),
      attributes: { n: 7, group: 1, name: 'twin 7' },
      features: { battery: { properties: { level: 7 } } },
    });
    const some = await cli.run(['export', '--filter', 'lt(attributes/n,3)', '--with-policy']);
    expect(some.code, some.stderr).toBe(0);
    const withPolicy = lines(some.stdout);
    expect(withPolicy.map((t) => t.thingId)).toEqual([idOf(0), idOf(1), idOf(2)]);
    expect(withPolicy[0]).toMatchObject({ _policy: { policyId: idOf(0) } });
    expect((await cli.run(['export', '--ids', idOf(1), '--namespaces', 'cli.search'])).code).toBe(2);
  });
});
