/**
 * End-to-end tests of the streaming commands: `egiz watch` (Server-Sent Events) and `egiz message
 * send|listen` (HTTP messages answered by a device on the WebSocket). Each runs the built CLI as a
 * child process against a real Egiz in this process, including Ctrl-C, --count and error exits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, type CliSandbox } from '../packages/cli/src/cli-runner.testkit.js';
import { startServer, type TestServer } from './support/egiz-server.js';

let s: TestServer;
let cli: CliSandbox;
const bob = { env: { EGIZ_USER: 'bob', EGIZ_PASSWORD: 'bob-pw' } };

const lines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function ok(args: string[]): Promise<void> {
  const r = await cli.run(args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
}

beforeAll(async () => {
  s = await startServer();
  cli = cliSandbox(s.url, { user: 'ditto', password: 'ditto' });
  await ok([
    'thing',
    'put',
    'cli.live:lamp',
    '{"attributes":{"room":"hall"},"features":{"lamp":{"properties":{"on":false}}}}',
  ]);
  await ok([
    'thing',
    'put',
    'cli.live:fan',
    '{"attributes":{"room":"attic"},"features":{"fan":{"properties":{"rpm":0}}}}',
  ]);
  await ok(['thing', 'put', 'cli.other:lamp', '{"attributes":{"room":"cellar"}}']);
});
afterAll(async () => {
  cli.cleanup();
  await s.close();
});

describe('watch', () => {
  it('--thing prints one record per change and exits 0 after --count events', async () => {
    const w = cli.start(['watch', '--thing', 'cli.live:lamp', '--count', '3']);
    await w.waitFor('stderr', /watching cli\.live:lamp/);
    await ok(['prop', 'set', 'cli.live:fan', 'fan', 'rpm', '900']); // another thing: not shown
    await ok(['prop', 'set', 'cli.live:lamp', 'lamp', 'on', 'true']);
    await ok(['thing', 'patch', 'cli.live:lamp', '{"attributes":{"room":"porch"}}']);
    await ok(['attr', 'delete', 'cli.live:lamp', 'room']);
    const r = await w.done;
    expect(r.code, r.stderr).toBe(0);
    const events = lines(r.stdout);
    expect(events.map(({ timestamp, ...rest }) => (expect(timestamp).toMatch(/^\d{4}-/), rest))).toEqual([
      {
        thingId: 'cli.live:lamp',
        action: 'modified',
        path: '/features/lamp/properties/on',
        value: true,
        revision: 2,
      },
      {
        thingId: 'cli.live:lamp',
        action: 'merged',
        path: '/',
        value: { attributes: { room: 'porch' } },
        revision: 3,
      },
      { thingId: 'cli.live:lamp', action: 'deleted', path: '/attributes/room', revision: 4 },
    ]);
  });

  it('--namespaces and --filter choose on the server; Ctrl-C (SIGINT) stops with exit 0', async () => {
    const w = cli.start([
      'watch',
      '--namespaces',
      'cli.live',
      '--filter',
      'gt(features/fan/properties/rpm,1000)',
    ]);
    await w.waitFor('stderr', /watching namespaces cli\.live/);
    await ok(['attr', 'set', 'cli.other:lamp', 'x', '1']);
    await ok(['prop', 'set', 'cli.live:fan', 'fan', 'rpm', '500']);
    await ok(['prop', 'set', 'cli.live:fan', 'fan', 'rpm', '1500']);
    await w.waitFor('stdout', /1500/);
    w.kill('SIGINT');
    const r = await w.done;
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toMatchObject([{ thingId: 'cli.live:fan', value: 1500 }]);
  });

  it('--fields prints the changed part of the thing as streamed; --extra-fields adds context', async () => {
    const w = cli.start(['watch', '--thing', 'cli.live:fan', '--fields', 'thingId,features', '--count', '1']);
    const x = cli.start([
      'watch',
      '--thing',
      'cli.live:fan',
      '--extra-fields',
      'attributes/room',
      '--count',
      '1',
    ]);
    await w.waitFor('stderr', /watching/);
    await x.waitFor('stderr', /watching/);
    await ok(['prop', 'set', 'cli.live:fan', 'fan', 'rpm', '7']);
    expect(lines((await w.done).stdout)).toEqual([
      { thingId: 'cli.live:fan', features: { fan: { properties: { rpm: 7 } } } },
    ]);
    expect(lines((await x.done).stdout)).toMatchObject([
      { thingId: 'cli.live:fan', value: 7, extra: { attributes: { room: 'attic' } } },
    ]);
  });

  it('shows only what the watcher may read', async () => {
    const w = cli.start(['watch', '--namespaces', 'cli.live', '--count', '1'], bob);
    await w.waitFor('stderr', /watching/);
    await ok(['prop', 'set', 'cli.live:lamp', 'lamp', 'on', 'false']); // bob may not read this one
    await ok([
      'policy',
      'entry',
      'put',
      'cli.live:fan',
      'BOB',
      '{"subjects":{"nginx:bob":{"type":"x"}},"resources":{"thing:/features":{"grant":["READ"],"revoke":[]}}}',
    ]);
    await ok(['prop', 'set', 'cli.live:fan', 'fan', 'rpm', '8']);
    const r = await w.done;
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toMatchObject([{ thingId: 'cli.live:fan', value: 8 }]);
  });

  it('errors: bad credentials exit 3, a bad thing id exits 2, the server going away exits 7', async () => {
    const auth = await cli.run(['watch'], { env: { EGIZ_PASSWORD: 'wrong' } });
    expect(auth.code).toBe(3);
    expect(auth.stderr).toContain('gateway:authentication.failed');
    expect((await cli.run(['watch', '--thing', 'nope'])).code).toBe(2);

    const other = await startServer();
    const w = cli.start(['watch'], { env: { EGIZ_URL: other.url } });
    await w.waitFor('stderr', /watching/);
    await other.close();
    const r = await w.done;
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/ended the event stream|event stream broke/);
  });
});

describe('message', () => {
  it('send prints the reply of a device that listens; listen prints each message and answers it', async () => {
    const device = cli.start([
      'message',
      'listen',
      'cli.live:lamp',
      '--reply',
      '{"ok":true}',
      '--count',
      '2',
    ]);
    await device.waitFor('stderr', /listening for messages of cli\.live:lamp/);
    const json = await cli.run(['message', 'send', 'cli.live:lamp', 'switch', '--data', '{"on":true}']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true });
    const text = await cli.run([
      'message',
      'send',
      'cli.live:lamp',
      'blink/fast',
      '--feature',
      'lamp',
      '--data',
      'three times',
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(JSON.parse(text.stdout)).toEqual({ ok: true });
    const r = await device.done;
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toMatchObject([
      {
        topic: 'cli.live/lamp/things/live/messages/switch',
        path: '/inbox/messages/switch',
        value: { on: true },
        headers: { 'content-type': 'application/json', 'ditto-originator': 'nginx:ditto' },
      },
      {
        topic: 'cli.live/lamp/things/live/messages/blink/fast',
        path: '/features/lamp/inbox/messages/blink/fast',
        value: 'three times',
        headers: { 'content-type': expect.stringMatching(/^text\/plain/) as unknown },
      },
    ]);
  });

  it('a text reply with an error status, --subject and --outbox; Ctrl-C stops listen with exit 0', async () => {
    const device = cli.start([
      'message',
      'listen',
      'cli.live:fan',
      '--subject',
      'brew',
      '--reply',
      'I am only a fan',
      '--reply-status',
      '418',
    ]);
    await device.waitFor('stderr', /listening/);
    const teapot = await cli.run(['message', 'send', 'cli.live:fan', 'brew', '--data', 'coffee']);
    expect(teapot.code).toBe(6);
    expect(teapot.stderr).toContain('HTTP 418');
    expect(teapot.stderr).toContain('I am only a fan');
    const ff = await cli.run([
      '--timeout',
      '0',
      'message',
      'send',
      'cli.live:fan',
      'hello',
      '--outbox',
      '--data',
      '1',
    ]);
    expect(ff).toMatchObject({ code: 0, stdout: '' });
    await new Promise((r) => setTimeout(r, 200));
    device.kill('SIGINT');
    const r = await device.done;
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toMatchObject([{ path: '/inbox/messages/brew', value: 'coffee' }]);
  });

  it('exit codes: nobody answers (408) exits 8, unknown thing 4, no permission 4/3, bad credentials 3', async () => {
    const silent = await cli.run([
      '--timeout',
      '1',
      'message',
      'send',
      'cli.other:lamp',
      'anyone',
      '--data',
      '1',
    ]);
    expect(silent.code).toBe(8);
    expect(silent.stderr).toContain('HTTP 408');
    expect(silent.stderr).toContain('egiz message listen cli.other:lamp');
    expect((await cli.run(['message', 'send', 'cli.live:nope', 'x'])).code).toBe(4);
    // bob may read cli.live:fan's features (see above) but not send: stranger -> 404 elsewhere.
    expect((await cli.run(['message', 'send', 'cli.live:lamp', 'x', '--data', '1'], bob)).code).toBe(4);
    const listen = await cli.run(['message', 'listen', 'cli.live:lamp'], { env: { EGIZ_PASSWORD: 'wrong' } });
    expect(listen.code).toBe(3);
    expect(listen.stderr).toContain('gateway:authentication.failed');
    expect(listen.stderr).toContain('hint:');
    const down = await cli.run(['message', 'listen', 'cli.live:lamp'], {
      env: { EGIZ_URL: 'http://127.0.0.1:9' },
    });
    expect(down.code).toBe(7);
  });
});
