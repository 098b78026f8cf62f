/** @module `egiz completion bash|zsh|fish`: prints a shell completion script for the whole command tree. */
import { Argument, type Command } from 'commander';
import { bashScript } from '../completion/bash.js';
import { fishScript } from '../completion/fish.js';
import { commandTree } from '../completion/tree.js';
import { zshScript } from '../completion/zsh.js';
import { examples } from './common.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

export function registerCompletionCommand(program: Command): void {
  const cmd = program
    .command('completion')
    .description('print a shell completion script')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: Shell) => {
      const tree = commandTree(program);
      const script =
        shell === 'bash' ? bashScript(tree) : shell === 'zsh' ? zshScript(tree) : fishScript(tree);
      process.stdout.write(script);
    });
  examples(cmd, [
    'source <(egiz completion bash)',
    'egiz completion zsh > "${fpath[1]}/_egiz"',
    'egiz completion fish > ~/.config/fish/completions/egiz.fish',
  ]);
}
