/**
 * @module `egiz login` (verify credentials with GET /api/2/whoami, then store them as a profile in
 * the config file, mode 0600) and `egiz logout` (remove a profile).
 */
import type { Command } from 'commander';
import { isJsonObject } from '@egiz/core';
import { readConfig, writeConfig, type Profile } from '../config/config-file.js';
import { resolveConnection, selectedProfile } from '../config/connection.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { EgizClient } from '../http/client.js';
import { promptSecret } from '../io/prompt.js';
import { readStdin } from '../io/value-input.js';
import { examples } from './common.js';

interface LoginFlags {
  readonly passwordStdin?: boolean;
  readonly verify?: boolean;
}

export function registerLoginCommands(program: Command): void {
  const login = program
    .command('login')
    .description(
      'check credentials against the server and store them as a profile (--profile, default "default") in the config file',
    )
    .option('--password-stdin', 'read the password from stdin (for scripts)')
    .option('--no-verify', 'store without asking the server first')
    .action(async (flags: LoginFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const config = readConfig(ctx.configPath);
      const options = { ...ctx.options };
      if (flags.passwordStdin) {
        if (options.password !== undefined)
          throw new UsageError('give either --password or --password-stdin');
        options.password = (await readStdin()).replace(/\r?\n$/, '');
      }
      let connection = resolveConnection(options, ctx.env, config);
      const noPassword =
        connection.credentials.kind === 'basic' &&
        connection.credentials.password === '' &&
        options.password === undefined &&
        ctx.env.EGIZ_PASSWORD === undefined;
      if (noPassword && connection.credentials.kind === 'basic') {
        if (!process.stdin.isTTY)
          throw new UsageError('no password given', 'use --password, --password-stdin or EGIZ_PASSWORD');
        options.password = await promptSecret(`Password for ${connection.credentials.user}: `);
        connection = resolveConnection(options, ctx.env, config);
      }
      if (connection.credentials.kind === 'none')
        throw new UsageError('no credentials given', 'use --user (and --password) or --token');
      let subject: string | undefined;
      if (flags.verify !== false) {
        const client = new EgizClient(connection, {
          trace: ctx.options.verbose ? (l) => ctx.diagnostic(l) : undefined,
          timeoutMs: ctx.timeoutMs(),
        });
        const res = await client.request({ method: 'GET', path: '/api/2/whoami' });
        if (isJsonObject(res.body) && typeof res.body.defaultSubject === 'string')
          subject = res.body.defaultSubject;
      }
      const name = selectedProfile(ctx.options, ctx.env, config);
      const profile: Profile = { url: connection.url };
      if (connection.credentials.kind === 'basic') {
        profile.user = connection.credentials.user;
        profile.password = connection.credentials.password;
      } else if (connection.credentials.kind === 'bearer') profile.token = connection.credentials.token;
      config.profiles[name] = profile;
      config.currentProfile = name;
      writeConfig(ctx.configPath, config);
      ctx.diagnostic(
        `logged in to ${connection.url}${subject ? ` as ${subject}` : ''}; saved as profile '${name}' in ${ctx.configPath}`,
      );
    });
  examples(login, [
    'egiz login --url http://localhost:8080 --user ditto --password ditto',
    'egiz login --profile prod --url https://twins.example.com --user alice   # asks for the password',
    'echo "$PASSWORD" | egiz login --user ci-bot --password-stdin',
    'egiz login --profile sso --url https://twins.example.com --token "$TOKEN"',
  ]);

  const logout = program
    .command('logout')
    .description('remove a stored profile (the current one unless --profile)')
    .action((_flags: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const config = readConfig(ctx.configPath);
      const name = selectedProfile(ctx.options, ctx.env, config);
      if (!(name in config.profiles)) throw new UsageError(`no profile named '${name}'`);
      delete config.profiles[name];
      if (config.currentProfile === name) delete config.currentProfile;
      writeConfig(ctx.configPath, config);
      ctx.diagnostic(`removed profile '${name}'`);
    });
  examples(logout, ['egiz logout', 'egiz logout --profile staging']);
}
