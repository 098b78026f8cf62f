/** `egiz examples seed|simulate` against a real server: the world appears, owned by the caller, and changes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, type CliSandbox } from '../packages/cli/src/cli-runner.testkit.js';
import { startServer, type TestServer } from './support/egiz-server.js';

let s: TestServer;
let cli: CliSandbox;

beforeAll(async () => {
  s = await startServer();
  cli = cliSandbox(s.url, { user: 'alice', password: 'alice-pw' });
});
afterAll(async () => {
  cli.cleanup();
  await s.close();
});

describe('egiz examples', () => {
  it('seed creates the example world for the caller, with a viewer', async () => {
    const out = (await cli.json(['examples', 'seed', '--viewer', 'nginx:bob'])) as {
      owner: string;
      things: string[];
    };
    expect(out.owner).toBe('nginx:alice');
    expect(out.things).toContain('egiz.examples:van-1');
    expect((await s.request('/api/2/things/egiz.examples:hq', { auth: 'alice:alice-pw' })).status).toBe(200);
    expect((await s.request('/api/2/things/egiz.examples:hq', { auth: 'bob:bob-pw' })).status).toBe(200);
    expect(
      (
        await s.request('/api/2/things/egiz.examples:hq/attributes/name', {
          method: 'PUT',
          json: 'x',
          auth: 'bob:bob-pw',
        })
      ).status,
    ).toBe(403);
    expect((await s.request('/api/2/things/egiz.examples:hq')).status).toBe(404);
    // seeding again resets the world and succeeds
    expect((await cli.run(['examples', 'seed'])).code).toBe(0);
  });

  it('simulate sends one merge patch per twin and round, moving the vans', async () => {
    await cli.run(['examples', 'seed']);
    const before = await (
      await s.request('/api/2/things/egiz.examples:van-1?fields=features/odometer,_revision', {
        auth: 'alice:alice-pw',
      })
    ).json();
    const r = await cli.json([
      'examples',
      'simulate',
      '--rounds',
      '3',
      '--interval',
      '0.05',
      '--speedup',
      '600',
    ]);
    expect(r).toEqual({ updates: 3 * 10 });
    const after = await (
      await s.request('/api/2/things/egiz.examples:van-1?fields=features/odometer,_revision', {
        auth: 'alice:alice-pw',
      })
    ).json();
    expect(after._revision).toBe(before._revision + 3);
    expect(after.features.odometer.properties.value).toBeGreaterThan(
      before.features.odometer.properties.value,
    );
  });

  it('refuses a bad --interval with exit 2', async () => {
    expect((await cli.run(['examples', 'simulate', '--interval', '-1'])).code).toBe(2);
  });
});
