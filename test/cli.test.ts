/**
 * End-to-end tests of the `egiz` command line itself: help, usage errors, login and profiles,
 * credentials and connection errors, shell completion. The built CLI runs as a child process
 * against a real Egiz started in this process. Twins and policies: cli-things.test.ts; NDJSON
 * import/export: cli-import-export.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { statSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, runCli, type CliSandbox } from '../packages/cli/src/cli-runner.testkit.js';
import { startServer, type TestServer } from './support/egiz-server.js';

/** Completion scripts are checked in the real shells where they are installed. */
const hasShell = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

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

describe('help and usage', () => {
  it('--help lists the command families, exit codes and examples', async () => {
    const r = await cli.run(['--help']);
    expect(r.code).toBe(0);
    for (const family of [
      'login',
      'whoami',
      'thing',
      'attr',
      'feature',
      'prop',
      'search',
      'count',
      'watch',
      'message',
      'history',
      'policy',
      'export',
      'import',
      'examples',
      'completion',
    ])
      expect(r.stdout).toMatch(new RegExp(`^  ${family}\\b`, 'm'));
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stdout).toMatch(/^ {2}8 {2}no reply in time/m);
    expect(r.stdout).toContain('Examples:');
  });

  it('every command has --help with examples', async () => {
    const paths = [
      'login',
      'logout',
      'whoami',
      'profile',
      'profile list',
      'profile use',
      'thing',
      'thing get',
      'thing list',
      'thing create',
      'thing put',
      'thing patch',
      'thing delete',
      'attr',
      'attr get',
      'attr set',
      'attr delete',
      'feature',
      'feature get',
      'feature set',
      'feature delete',
      'prop',
      'prop get',
      'prop set',
      'prop delete',
      'search',
      'count',
      'watch',
      'message',
      'message send',
      'message listen',
      'history',
      'history diff',
      'policy',
      'policy get',
      'policy put',
      'policy delete',
      'policy entry',
      'policy entry list',
      'policy entry get',
      'policy entry put',
      'policy entry delete',
      'policy check',
      'export',
      'import',
      'examples',
      'examples seed',
      'examples simulate',
      'completion',
    ];
    const results = await Promise.all(paths.map((p) => cli.run([...p.split(' '), '--help'])));
    results.forEach((r, i) => {
      expect(r.code, paths[i]).toBe(0);
      expect(r.stdout, paths[i]).toContain(`Usage: egiz ${paths[i]}`);
      expect(r.stdout, paths[i]).toMatch(/Examples:\n {2}\$ \S/);
    });
  }, 60_000);

  it('usage errors exit 2 with a message on stderr and nothing on stdout', async () => {
    const cases = [
      ['bogus'],
      ['thing'],
      ['thing', 'get'],
      ['thing', 'get', 'not-an-id'],
      ['thing', 'get', 'a:b', '--bogus'],
      ['thing', 'get', 'a:b', '-o', 'xml'],
      ['thing', 'get', 'a:b', '--condition', 'eq(attributes/'],
      ['thing', 'put', 'a:b'],
      ['thing', 'put', 'a:b', '[1,2]'],
      ['attr', 'get', 'a:b', 'x//y'],
      ['history', 'a:b'],
      ['history', 'a:b', '--at-revision', 'x'],
      ['history', 'a:b', '--at-time', 'yesterday-ish'],
      ['export'],
      ['import', '/nonexistent/file.ndjson'],
      ['completion', 'tcsh'],
      ['search', '--filter', 'eq(attributes/'],
      ['search', '--limit', '0'],
      ['search', '--page-size', '500'],
      ['search', '--sort', 'a b'],
      ['search', '--namespaces', 'not a namespace'],
      ['count', '--filter', 'and('],
      ['watch', '--count', 'x'],
      ['watch', '--thing', 'not-an-id'],
      ['watch', '--filter', 'gt(x'],
      ['message', 'send', 'a:b'],
      ['message', 'send', 'a:b', 'x//y'],
      ['message', 'send', 'a:b', 'x', '--data', '1', '--file', 'f'],
      ['message', 'send', 'a:b', 'x', '--feature', 'a/b'],
      ['message', 'listen', 'a:b', '--reply-status', '99'],
      ['message', 'listen', 'nope'],
      ['export', '--ids', 'a:b', '--all'],
    ];
    const results = await Promise.all(cases.map((c) => cli.run(c)));
    results.forEach((r, i) => {
      expect(r.code, cases[i]!.join(' ') + '\n' + r.stderr).toBe(2);
      expect(r.stdout, cases[i]!.join(' ')).toBe('');
      expect(r.stderr.length, cases[i]!.join(' ')).toBeGreaterThan(0);
    });
  }, 60_000);

  it('--version prints the version', async () => {
    const r = await cli.run(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });
});

describe('login, profiles, whoami', () => {
  it('login verifies with whoami, stores a 0600 profile that later commands use', async () => {
    const sb = cliSandbox(undefined);
    try {
      const login = await sb.run(['login', '--url', s.url, '--user', 'alice', '--password', 'alice-pw']);
      expect(login.code, login.stderr).toBe(0);
      expect(login.stderr).toContain('nginx:alice');
      expect(statSync(sb.configFile).mode & 0o777).toBe(0o600);
      const config = JSON.parse(readFileSync(sb.configFile, 'utf8'));
      expect(config).toEqual({
        currentProfile: 'default',
        profiles: { default: { url: s.url, user: 'alice', password: 'alice-pw' } },
      });
      expect(await sb.json(['whoami'])).toEqual({ defaultSubject: 'nginx:alice', subjects: ['nginx:alice'] });

      // A second profile; --profile selects, `profile use` switches, env and flags override.
      expect(
        (
          await sb.run([
            'login',
            '--profile',
            'admin',
            '--url',
            s.url,
            '--user',
            'ditto',
            '--password',
            'ditto',
          ])
        ).code,
      ).toBe(0);
      expect(await sb.json(['whoami'])).toMatchObject({ defaultSubject: 'nginx:ditto' });
      expect(await sb.json(['whoami', '--profile', 'default'])).toMatchObject({
        defaultSubject: 'nginx:alice',
      });
      expect(await sb.json(['whoami', '--user', 'bob', '--password', 'bob-pw'])).toMatchObject({
        defaultSubject: 'nginx:bob',
      });
      expect(await sb.json(['whoami'], { env: { EGIZ_USER: 'bob', EGIZ_PASSWORD: 'bob-pw' } })).toMatchObject(
        { defaultSubject: 'nginx:bob' },
      );
      expect(await sb.json(['whoami'], { env: { EGIZ_PROFILE: 'default' } })).toMatchObject({
        defaultSubject: 'nginx:alice',
      });

      const list = await sb.json(['profile', 'list']);
      expect(list).toEqual([
        { current: '', name: 'default', url: s.url, user: 'alice', auth: 'basic' },
        { current: '*', name: 'admin', url: s.url, user: 'ditto', auth: 'basic' },
      ]);
      expect(JSON.stringify(list)).not.toContain('pw');
      expect((await sb.run(['profile', 'use', 'default'])).code).toBe(0);
      expect(await sb.json(['whoami'])).toMatchObject({ defaultSubject: 'nginx:alice' });
      expect((await sb.run(['profile', 'use', 'nope'])).code).toBe(2);

      expect((await sb.run(['logout', '--profile', 'admin'])).code).toBe(0);
      expect(Object.keys(JSON.parse(readFileSync(sb.configFile, 'utf8')).profiles)).toEqual(['default']);
    } finally {
      sb.cleanup();
    }
  });

  it('login with bad credentials exits 3 and stores nothing', async () => {
    const sb = cliSandbox(undefined);
    try {
      const r = await sb.run(['login', '--url', s.url, '--user', 'alice', '--password', 'wrong']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('gateway:authentication.failed');
      expect(() => statSync(sb.configFile)).toThrow();
    } finally {
      sb.cleanup();
    }
  });

  it('login reads the password from stdin with --password-stdin; the config path honours XDG_CONFIG_HOME', async () => {
    const sb = cliSandbox(undefined);
    try {
      const env = { EGIZ_CONFIG: undefined, XDG_CONFIG_HOME: join(sb.dir, 'xdg') };
      const r = await sb.run(['login', '--url', s.url, '--user', 'bob', '--password-stdin'], {
        input: 'bob-pw\n',
        env,
      });
      expect(r.code, r.stderr).toBe(0);
      const file = join(sb.dir, 'xdg', 'egiz', 'config.json');
      expect(JSON.parse(readFileSync(file, 'utf8')).profiles.default).toMatchObject({
        user: 'bob',
        password: 'bob-pw',
      });
      expect(await sb.json(['whoami'], { env })).toMatchObject({ defaultSubject: 'nginx:bob' });
    } finally {
      sb.cleanup();
    }
  });

  it('wrong or missing credentials exit 3 with the Ditto error on stderr; a bearer token is sent as such', async () => {
    const bad = await cli.run(['whoami', '--password', 'nope']);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('gateway:authentication.failed (HTTP 401)');
    expect(bad.stderr).toMatch(/message: +Unauthorized/);
    expect(bad.stderr).toMatch(/description: +Send valid credentials/);

    const none = await runCli(['whoami'], {
      PATH: process.env.PATH,
      EGIZ_URL: s.url,
      EGIZ_CONFIG: join(cli.dir, 'none.json'),
    });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('egiz login');

    // The server has no JWT support yet: the token is refused, which proves it was sent.
    const token = await cli.run(['whoami', '--token', 'abc.def.ghi'], {
      env: { EGIZ_USER: undefined, EGIZ_PASSWORD: undefined },
    });
    expect(token.code).toBe(3);
  });

  it('an unreachable server exits 7; a broken config file exits 2', async () => {
    const r = await cli.run(['whoami', '--url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('cannot reach http://127.0.0.1:9');
    const sb = cliSandbox(s.url);
    try {
      writeFileSync(join(sb.dir, 'broken.json'), '{nope');
      const b = await sb.run(['whoami'], { env: { EGIZ_CONFIG: join(sb.dir, 'broken.json') } });
      expect(b.code).toBe(2);
      expect(b.stderr).toContain('not valid JSON');
    } finally {
      sb.cleanup();
    }
  });
});

describe('exit codes across the command families', () => {
  it('bad credentials exit 3, unknown things and policies 4, failed preconditions 5', async () => {
    const put = await cli.run([
      'thing',
      'put',
      'cli.exits:t',
      '{"attributes":{"a":1},"features":{"f":{"properties":{"p":1}}}}',
    ]);
    expect(put.code, put.stderr).toBe(0);
    const wrong = { env: { EGIZ_PASSWORD: 'wrong' } };
    const authCases = [
      ['whoami'],
      ['thing', 'get', 'cli.exits:t'],
      ['attr', 'get', 'cli.exits:t'],
      ['feature', 'get', 'cli.exits:t', 'f'],
      ['prop', 'get', 'cli.exits:t', 'f'],
      ['history', 'cli.exits:t', '--at-revision', '1'],
      ['history', 'diff', 'cli.exits:t', '1', 'current'],
      ['policy', 'get', 'cli.exits:t'],
      ['policy', 'entry', 'list', 'cli.exits:t'],
      ['policy', 'check', 'cli.exits:t', 'thing:/', 'READ'],
      ['search'],
      ['count'],
      ['watch', '--count', '1'],
      ['message', 'send', 'cli.exits:t', 'x'],
      ['message', 'listen', 'cli.exits:t'],
      ['export', '--ids', 'cli.exits:t'],
      ['examples', 'seed'],
    ];
    const notFoundCases = [
      ['thing', 'get', 'cli.exits:nope'],
      ['attr', 'get', 'cli.exits:t', 'nope'],
      ['feature', 'get', 'cli.exits:t', 'nope'],
      ['prop', 'get', 'cli.exits:t', 'f', 'nope'],
      ['thing', 'delete', 'cli.exits:nope'],
      ['history', 'cli.exits:nope', '--at-revision', '1'],
      ['history', 'diff', 'cli.exits:t', '1', '7'],
      ['policy', 'get', 'cli.exits:nope'],
      ['policy', 'entry', 'get', 'cli.exits:t', 'NOPE'],
      ['message', 'send', 'cli.exits:nope', 'x'],
      ['export', '--ids', 'cli.exits:nope'],
    ];
    const conflictCases = [
      ['thing', 'create', 'cli.exits:t'],
      ['attr', 'set', 'cli.exits:t', 'a', '2', '--if-match', '9'],
      ['prop', 'set', 'cli.exits:t', 'f', 'p', '2', '--condition', 'eq(attributes/a,5)'],
      ['policy', 'entry', 'delete', 'cli.exits:t', 'DEFAULT', '--if-match', '9'],
    ];
    const [auth, notFound, conflict] = await Promise.all([
      Promise.all(authCases.map((c) => cli.run(c, wrong))),
      Promise.all(notFoundCases.map((c) => cli.run(c))),
      Promise.all(conflictCases.map((c) => cli.run(c))),
    ]);
    const check = (cases: string[][], results: { code: number | null; stderr: string }[], code: number) =>
      results.forEach((r, i) => {
        expect(r.code, `${cases[i]!.join(' ')}\n${r.stderr}`).toBe(code);
        expect(r.stderr, cases[i]!.join(' ')).toMatch(/^egiz: /m);
      });
    check(authCases, auth, 3);
    check(notFoundCases, notFound, 4);
    check(conflictCases, conflict, 5);
  }, 60_000);
});

describe('completion', () => {
  it('prints bash, zsh and fish scripts generated from the command tree', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await cli.run(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('egiz');
      for (const word of [
        'thing',
        'attr',
        'prop',
        'history',
        'export',
        'import',
        'desired',
        'if-match',
        'search',
        'count',
        'watch',
        'message',
        'listen',
        'reply',
        'namespaces',
      ])
        expect(r.stdout, `${shell}: ${word}`).toContain(word);
    }
  });

  it.skipIf(!hasShell('zsh'))('the zsh script is valid zsh and lists subcommands and options', async () => {
    const file = join(cli.dir, '_egiz');
    writeFileSync(file, (await cli.run(['completion', 'zsh'])).stdout);
    expect(spawnSync('zsh', ['-n', file]).status).toBe(0);
    const r = spawnSync(
      'zsh',
      [
        '-c',
        `compdef() { }; source ${file}; _egiz_subs thing; print -l -- \${reply%%:*}; _egiz_opts 'prop set'; print -l -- \${reply%%:*}`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const words = r.stdout.split('\n');
    expect(words).toEqual(
      expect.arrayContaining(['get', 'list', 'create', 'put', 'patch', 'delete', '--desired', '--if-match']),
    );
  });

  it.skipIf(!hasShell('fish'))('the fish script is valid fish and completes', async () => {
    const file = join(cli.dir, 'egiz.fish');
    writeFileSync(file, (await cli.run(['completion', 'fish'])).stdout);
    const complete = (line: string) => {
      const r = spawnSync('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    };
    expect(complete('egiz th')).toEqual(['thing']);
    expect(complete('egiz prop set --de')).toEqual(['--desired']);
    expect(complete('egiz --url http://x history ')).toEqual(['diff']);
    expect(complete('egiz policy entry ')).toEqual(expect.arrayContaining(['list', 'get', 'put', 'delete']));
  });

  it('the bash script is valid and completes subcommands, options and -o values', async () => {
    const script = (await cli.run(['completion', 'bash'])).stdout;
    const file = join(cli.dir, 'egiz.bash');
    writeFileSync(file, script);
    const complete = (words: string[]) => {
      const program = [
        `source ${file}`,
        `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
        `COMP_CWORD=${words.length - 1}`,
        '_egiz',
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n');
      const r = spawnSync('bash', ['-c', program], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.split('\n').filter((l) => l !== '');
    };
    expect(complete(['egiz', 'th'])).toEqual(['thing']);
    expect(complete(['egiz', 'thing', ''])).toEqual(
      expect.arrayContaining(['get', 'list', 'create', 'put', 'patch', 'delete']),
    );
    expect(complete(['egiz', 'prop', 'set', '--de'])).toEqual(['--desired']);
    expect(complete(['egiz', '--url', 'http://x', 'history', ''])).toEqual(['diff']);
    expect(complete(['egiz', 'thing', 'get', '-o', 'y'])).toEqual(['yaml']);
    expect(complete(['egiz', 'completion', 'f'])).toEqual(['fish']);
    expect(complete(['egiz', 'message', ''])).toEqual(['send', 'listen']);
    expect(complete(['egiz', 'watch', '--th'])).toEqual(['--thing']);
    expect(complete(['egiz', 'search', '--so'])).toEqual(['--sort']);
  });
});
