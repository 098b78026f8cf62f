/** @module `egiz profile list|use`: the stored connection profiles (secrets never printed). */
import type { Command } from 'commander';
import { readConfig, writeConfig } from '../config/config-file.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { examples } from './common.js';

export function registerProfileCommands(program: Command): void {
  const profile = program.command('profile').description('list stored profiles and choose the current one');
  examples(profile, ['egiz profile list', 'egiz profile use prod']);

  const list = profile
    .command('list')
    .description('list the profiles in the config file (the current one marked with *)')
    .action(async (_flags: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const config = readConfig(ctx.configPath);
      const rows = Object.entries(config.profiles).map(([name, p]) => ({
        current: name === config.currentProfile ? '*' : '',
        name,
        url: p.url ?? '',
        user: p.user ?? '',
        auth: p.token !== undefined ? 'token' : p.user !== undefined ? 'basic' : 'none',
      }));
      await ctx.print(rows, ctx.stdoutIsTTY ? 'table' : 'json');
    });
  examples(list, ['egiz profile list', 'egiz profile list -o json']);

  const use = profile
    .command('use')
    .description('make a stored profile the current one')
    .argument('<name>', 'profile name')
    .action((name: string, _flags: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const config = readConfig(ctx.configPath);
      if (!(name in config.profiles))
        throw new UsageError(`no profile named '${name}'`, 'create it with `egiz login --profile NAME`');
      config.currentProfile = name;
      writeConfig(ctx.configPath, config);
      ctx.diagnostic(`now using profile '${name}'`);
    });
  examples(use, ['egiz profile use staging']);
}
