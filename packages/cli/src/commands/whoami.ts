/** @module `egiz whoami`: the caller's subjects as the server sees them (GET /api/2/whoami). */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { examples } from './common.js';

export function registerWhoamiCommand(program: Command): void {
  const cmd = program
    .command('whoami')
    .description('print who the server takes you for (your subjects)')
    .action(async (_flags: unknown, command: Command) => {
      const ctx = contextOf(command);
      const res = await ctx.client().request({ method: 'GET', path: '/api/2/whoami' });
      await ctx.print(res.body, 'json');
    });
  examples(cmd, [
    'egiz whoami',
    'egiz whoami --profile prod -o yaml',
    'EGIZ_USER=alice EGIZ_PASSWORD=secret egiz whoami',
  ]);
}
