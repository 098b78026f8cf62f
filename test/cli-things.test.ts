/**
 * End-to-end tests of the `egiz` commands on twins and policies (thing, attr, feature, prop,
 * history, policy): the built CLI runs as a child process against a real Egiz started in this
 * process, checking stdout, stderr and exit codes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, type CliSandbox } from '../packages/cli/src/cli-runner.testkit.js';
import { startServer, type TestServer } from './support/egiz-server.js';

let s: TestServer;
let cli: CliSandbox;
let n = 0;
const id = (prefix = 't') => `org.egiz.cli:${prefix}-${++n}`;

beforeAll(async () => {
  s = await startServer();
  cli = cliSandbox(s.url, { user: 'ditto', password: 'ditto' });
});
afterAll(async () => {
  cli.cleanup();
  await s.close();
});

const lamp = {
  attributes: { room: 'kitchen', location: { floor: 2 } },
  features: { lamp: { properties: { on: false, color: { r: 255 } }, desiredProperties: { on: true } } },
};

async function putThing(thingId: string, body: unknown = lamp): Promise<void> {
  const r = await cli.run(['thing', 'put', thingId, JSON.stringify(body)]);
  expect(r.code, r.stderr).toBe(0);
}

describe('thing', () => {
  it('put creates and replaces, get prints JSON (or YAML), --fields selects', async () => {
    const thingId = id();
    const created = await cli.run(['thing', 'put', thingId, JSON.stringify(lamp)]);
    expect(created).toMatchObject({ code: 0, stdout: '' });
    expect(await cli.json(['thing', 'get', thingId])).toEqual({ thingId, policyId: thingId, ...lamp });

    await putThing(thingId, { attributes: { x: 1 } });
    expect(await cli.json(['thing', 'get', thingId, '--fields', 'attributes,_revision'])).toEqual({
      attributes: { x: 1 },
      _revision: 2,
    });
    const yaml = await cli.run(['thing', 'get', thingId, '-o', 'yaml']);
    expect(parseYaml(yaml.stdout)).toEqual({ thingId, policyId: thingId, attributes: { x: 1 } });
    const ndjson = await cli.run(['thing', 'get', thingId, '-o', 'ndjson']);
    expect(ndjson.stdout).toBe(JSON.stringify({ thingId, policyId: thingId, attributes: { x: 1 } }) + '\n');
  });

  it('put reads the thing from --file and from stdin', async () => {
    const a = id();
    const file = join(cli.dir, 'thing.json');
    writeFileSync(file, JSON.stringify({ attributes: { from: 'file' } }));
    expect((await cli.run(['thing', 'put', a, '--file', file])).code).toBe(0);
    expect(await cli.json(['attr', 'get', a, 'from'])).toBe('file');
    expect(
      (await cli.run(['thing', 'put', a, '-'], { input: '{"attributes":{"from":"stdin"}}\n' })).code,
    ).toBe(0);
    expect(await cli.json(['attr', 'get', a, 'from'])).toBe('stdin');
  });

  it('create: with an id prints the thing and fails with 5 if it exists; without one the id is generated', async () => {
    const thingId = id();
    const first = await cli.run(['thing', 'create', thingId, '{"attributes":{"a":1}}']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ thingId, policyId: thingId, attributes: { a: 1 } });
    const again = await cli.run(['thing', 'create', thingId]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('things:precondition.failed (HTTP 412)');

    const generated = (await cli.json([
      'thing',
      'create',
      '--namespace',
      'org.egiz.gen',
      '{"attributes":{"g":true}}',
    ])) as Record<string, unknown>;
    expect(generated.thingId).toMatch(/^org\.egiz\.gen:[0-9a-f-]{36}$/);
    expect(generated.attributes).toEqual({ g: true });
  });

  it('patch merges (null removes), delete removes; unknown things exit 4', async () => {
    const thingId = id();
    await putThing(thingId);
    const p = await cli.run(['thing', 'patch', thingId, '{"attributes":{"room":null,"new":1}}']);
    expect(p.code, p.stderr).toBe(0);
    expect(await cli.json(['attr', 'get', thingId])).toEqual({ location: { floor: 2 }, new: 1 });

    expect((await cli.run(['thing', 'delete', thingId])).code).toBe(0);
    const gone = await cli.run(['thing', 'get', thingId]);
    expect(gone.code).toBe(4);
    expect(gone.stdout).toBe('');
    expect(gone.stderr).toContain('things:thing.notfound (HTTP 404)');
    expect(gone.stderr).toMatch(/message: +The Thing .* does not exist/);
    expect(gone.stderr).toMatch(/description: +\S/);
    expect((await cli.run(['thing', 'delete', thingId])).code).toBe(4);
  });

  it('--if-match and --condition: a failed precondition exits 5 and changes nothing', async () => {
    const thingId = id();
    await putThing(thingId); // revision 1
    expect(
      (await cli.run(['thing', 'patch', thingId, '{"attributes":{"a":1}}', '--if-match', '1'])).code,
    ).toBe(0);
    const stale = await cli.run(['thing', 'patch', thingId, '{"attributes":{"a":2}}', '--if-match', 'rev:1']);
    expect(stale.code).toBe(5);
    expect(stale.stderr).toContain('things:precondition.failed');
    expect((await cli.run(['thing', 'delete', thingId, '--if-match', '"rev:1"'])).code).toBe(5);

    const notMatching = await cli.run([
      'attr',
      'set',
      thingId,
      'a',
      '3',
      '--condition',
      'eq(attributes/room,"hall")',
    ]);
    expect(notMatching.code).toBe(5);
    expect(notMatching.stderr).toContain('(HTTP 412)');
    expect(
      (await cli.run(['attr', 'set', thingId, 'a', '4', '--condition', 'eq(attributes/room,"kitchen")']))
        .code,
    ).toBe(0);
    expect(await cli.json(['attr', 'get', thingId, 'a'])).toBe(4);
    expect((await cli.run(['thing', 'get', thingId, '--condition', 'eq(attributes/a,5)'])).code).toBe(5);
  });

  it('list by ids: JSON in pipes, table/ndjson on request, unknown ids left out', async () => {
    const a = id();
    const b = id();
    await putThing(a, { attributes: { n: 1 } });
    await putThing(b, { attributes: { n: 2 }, features: { f1: {}, f2: {} } });
    const listed = await cli.json(['thing', 'list', a, `${b},org.egiz.cli:missing`]);
    expect(listed).toEqual([
      { thingId: a, policyId: a, attributes: { n: 1 } },
      { thingId: b, policyId: b, attributes: { n: 2 }, features: { f1: {}, f2: {} } },
    ]);
    const table = await cli.run(['thing', 'list', '--ids', `${a},${b}`, '-o', 'table']);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^THING_ID +POLICY_ID +DEFINITION +ATTRIBUTES +FEATURES$/);
    expect(rows[2]).toMatch(new RegExp(`^${b} +${b} +\\{"n":2\\} +f1,f2$`));
    const nd = await cli.run(['thing', 'list', a, b, '--fields', 'thingId', '-o', 'ndjson']);
    expect(nd.stdout).toBe(`{"thingId":"${a}"}\n{"thingId":"${b}"}\n`);
    // Without ids: the server's listing of readable things.
    const all = (await cli.json(['thing', 'list', '--fields', 'thingId'])) as { thingId: string }[];
    expect(all.map((t) => t.thingId)).toEqual(expect.arrayContaining([a, b]));
  });

  it('a reader without WRITE gets exit 3 (403) with the Ditto error', async () => {
    const thingId = id();
    const res = await s.request(`/api/2/things/${thingId}`, {
      method: 'PUT',
      json: {
        attributes: { a: 1 },
        _policy: {
          entries: {
            OWNER: {
              subjects: { 'nginx:ditto': { type: 'x' } },
              resources: {
                'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
                'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
              },
            },
            READER: {
              subjects: { 'nginx:alice': { type: 'x' } },
              resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
            },
          },
        },
      },
    });
    expect(res.status).toBe(201);
    const alice = { env: { EGIZ_USER: 'alice', EGIZ_PASSWORD: 'alice-pw' } };
    expect(await cli.json(['attr', 'get', thingId, 'a'], alice)).toBe(1);
    const denied = await cli.run(['attr', 'set', thingId, 'a', '2'], alice);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/notmodifiable \(HTTP 403\)/);
    const stranger = await cli.run(['thing', 'get', thingId], {
      env: { EGIZ_USER: 'bob', EGIZ_PASSWORD: 'bob-pw' },
    });
    expect(stranger.code).toBe(4);
  });
});

describe('attr, feature, prop', () => {
  it('attr get/set/delete at paths; values are JSON when valid, else strings; --string forces a string', async () => {
    const thingId = id();
    await putThing(thingId);
    expect((await cli.run(['attr', 'set', thingId, 'location/floor', '3'])).code).toBe(0);
    expect((await cli.run(['attr', 'set', thingId, 'room', 'living room'])).code).toBe(0);
    expect((await cli.run(['attr', 'set', thingId, 'serial', '42', '--string'])).code).toBe(0);
    expect((await cli.run(['attr', 'set', thingId, 'tags', '["a","b"]'])).code).toBe(0);
    expect((await cli.run(['attr', 'set', thingId, 'note', '-'], { input: 'from stdin\n' })).code).toBe(0);
    expect(await cli.json(['attr', 'get', thingId])).toEqual({
      room: 'living room',
      location: { floor: 3 },
      serial: '42',
      tags: ['a', 'b'],
      note: 'from stdin',
    });
    expect(await cli.json(['attr', 'get', thingId, '/location/floor'])).toBe(3);
    expect((await cli.run(['attr', 'delete', thingId, 'location/floor'])).code).toBe(0);
    expect((await cli.run(['attr', 'get', thingId, 'location/floor'])).code).toBe(4);
    expect((await cli.run(['attr', 'delete', thingId, 'nope'])).code).toBe(4);
    expect((await cli.run(['attr', 'set', thingId, '/', '{"only":true}'])).code).toBe(0);
    expect(await cli.json(['attr', 'get', thingId])).toEqual({ only: true });
    const table = await cli.run(['attr', 'get', thingId, '-o', 'table']);
    expect(table.stdout).toMatch(/^KEY +VALUE\nonly +true\n$/);
  });

  it('feature get/set/delete', async () => {
    const thingId = id();
    await putThing(thingId);
    expect((await cli.run(['feature', 'set', thingId, 'power', '{"properties":{"watts":7.5}}'])).code).toBe(
      0,
    );
    expect((await cli.run(['feature', 'set', thingId, 'empty'])).code).toBe(0);
    expect(await cli.json(['feature', 'get', thingId, 'power'])).toEqual({ properties: { watts: 7.5 } });
    expect(Object.keys((await cli.json(['feature', 'get', thingId])) as object).sort()).toEqual([
      'empty',
      'lamp',
      'power',
    ]);
    expect((await cli.run(['feature', 'set', thingId, 'bad', '42'])).code).toBe(2);
    expect((await cli.run(['feature', 'delete', thingId, 'power'])).code).toBe(0);
    const gone = await cli.run(['feature', 'get', thingId, 'power']);
    expect(gone.code).toBe(4);
    expect(gone.stderr).toContain('things:feature.notfound');
  });

  it('prop get/set/delete, reported and --desired', async () => {
    const thingId = id();
    await putThing(thingId);
    expect(await cli.json(['prop', 'get', thingId, 'lamp', 'on'])).toBe(false);
    expect(await cli.json(['prop', 'get', thingId, 'lamp', 'on', '--desired'])).toBe(true);
    expect((await cli.run(['prop', 'set', thingId, 'lamp', 'on', 'true'])).code).toBe(0);
    expect((await cli.run(['prop', 'set', thingId, 'lamp', 'brightness', '0.8', '--desired'])).code).toBe(0);
    expect((await cli.run(['prop', 'set', thingId, 'lamp', 'color/g', '128'])).code).toBe(0);
    expect(await cli.json(['prop', 'get', thingId, 'lamp'])).toEqual({ on: true, color: { r: 255, g: 128 } });
    expect(await cli.json(['prop', 'get', thingId, 'lamp', '--desired'])).toEqual({
      on: true,
      brightness: 0.8,
    });
    expect((await cli.run(['prop', 'delete', thingId, 'lamp', 'on', '--desired'])).code).toBe(0);
    expect(await cli.json(['prop', 'get', thingId, 'lamp', '--desired'])).toEqual({ brightness: 0.8 });
    expect((await cli.run(['prop', 'get', thingId, 'nolamp', 'on'])).code).toBe(4);
    expect((await cli.run(['prop', 'get', thingId, 'lamp/x', 'on'])).code).toBe(2);
  });
});

describe('history', () => {
  it('--at-revision and --at-time read the past; diff shows what changed', async () => {
    const thingId = id();
    await putThing(thingId, { attributes: { temp: 20, unit: 'C' } }); // rev 1
    const t1 = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    expect((await cli.run(['attr', 'set', thingId, 'temp', '21'])).code).toBe(0); // rev 2
    expect((await cli.run(['thing', 'patch', thingId, '{"attributes":{"unit":null,"hum":40}}'])).code).toBe(
      0,
    ); // rev 3

    expect(await cli.json(['history', thingId, '--at-revision', '1', '--fields', 'attributes'])).toEqual({
      attributes: { temp: 20, unit: 'C' },
    });
    expect(await cli.json(['history', thingId, '--at-revision', '2', '--fields', 'attributes/temp'])).toEqual(
      {
        attributes: { temp: 21 },
      },
    );
    expect(await cli.json(['history', thingId, '--at-time', t1, '--fields', 'attributes'])).toEqual({
      attributes: { temp: 20, unit: 'C' },
    });
    expect((await cli.run(['history', thingId, '--at-revision', '99'])).code).toBe(4);

    const diff = await cli.run(['history', 'diff', thingId, '1', '3']);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toBe(
      '~ /attributes/temp: 20 -> 21\n- /attributes/unit: "C"\n+ /attributes/hum: 40\n',
    );
    expect(await cli.json(['history', 'diff', thingId, '2', 'current', '-o', 'json'])).toEqual([
      { op: 'remove', path: '/attributes/unit', oldValue: 'C' },
      { op: 'add', path: '/attributes/hum', value: 40 },
    ]);
    expect((await cli.run(['history', 'diff', thingId, '3', 'latest'])).stdout).toBe('(no differences)\n');
  });
});

describe('policy', () => {
  it('get/put/delete policies and entries; check answers for the caller', async () => {
    const policyId = 'org.egiz.cli:lamps-policy';
    const owner = {
      subjects: { 'nginx:ditto': { type: 'owner' } },
      resources: {
        'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
        'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
      },
    };
    const put = await cli.run(['policy', 'put', policyId, JSON.stringify({ entries: { OWNER: owner } })]);
    expect(put.code, put.stderr).toBe(0);
    expect(await cli.json(['policy', 'get', policyId])).toEqual({ policyId, entries: { OWNER: owner } });

    const thingId = id('guarded');
    await putThing(thingId, { policyId, attributes: { a: 1 } });
    const alice = { env: { EGIZ_USER: 'alice', EGIZ_PASSWORD: 'alice-pw' } };
    expect((await cli.run(['thing', 'get', thingId], alice)).code).toBe(4);

    const viewers = {
      subjects: { 'nginx:alice': { type: 'viewer' } },
      resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
    };
    expect(
      (await cli.run(['policy', 'entry', 'put', policyId, 'VIEWERS', JSON.stringify(viewers)])).code,
    ).toBe(0);
    expect(await cli.json(['policy', 'entry', 'get', policyId, 'VIEWERS'])).toEqual(viewers);
    expect(await cli.json(['policy', 'entry', 'list', policyId])).toEqual([
      { label: 'OWNER', ...owner },
      { label: 'VIEWERS', ...viewers },
    ]);
    const table = await cli.run(['policy', 'entry', 'list', policyId, '-o', 'table']);
    expect(table.stdout).toContain('VIEWERS  nginx:alice  thing:/ +READ');
    expect(await cli.json(['attr', 'get', thingId, 'a'], alice)).toBe(1);

    expect(await cli.json(['policy', 'check', thingId, 'thing:/attributes', 'READ'], alice)).toBe(true);
    expect(await cli.json(['policy', 'check', thingId, 'thing:/attributes', 'READ', 'WRITE'], alice)).toBe(
      false,
    );
    const checks = join(cli.dir, 'checks.json');
    writeFileSync(
      checks,
      JSON.stringify({
        read: { entityId: thingId, resource: 'thing:/', hasPermissions: ['READ'] },
        admin: { entityId: policyId, resource: 'policy:/', hasPermissions: ['WRITE'] },
      }),
    );
    expect(await cli.json(['policy', 'check', '--file', checks], alice)).toEqual({
      read: true,
      admin: false,
    });
    expect((await cli.run(['policy', 'check', thingId, 'thing:/', 'FLY'])).code).toBe(2);

    // alice may not read the policy at all: 404, existence does not leak.
    expect((await cli.run(['policy', 'entry', 'delete', policyId, 'OWNER'], alice)).code).toBe(4);
    expect((await cli.run(['policy', 'entry', 'delete', policyId, 'VIEWERS'])).code).toBe(0);
    expect((await cli.run(['thing', 'get', thingId], alice)).code).toBe(4);
    expect((await cli.run(['policy', 'entry', 'get', policyId, 'VIEWERS'])).code).toBe(4);

    expect((await cli.run(['policy', 'put', policyId, '{}', '--if-match', '1'])).code).toBe(5);
    expect((await cli.run(['thing', 'delete', thingId])).code).toBe(0);
    expect((await cli.run(['policy', 'delete', policyId])).code).toBe(0);
    expect((await cli.run(['policy', 'get', policyId])).code).toBe(4);
  });
});
