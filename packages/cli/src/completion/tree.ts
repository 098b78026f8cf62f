/**
 * @module The command tree as plain data, read from the commander program, so that the completion
 * scripts for every shell are generated from the same source as the parser and never drift.
 */
import type { Command } from 'commander';

export interface OptionSpec {
  readonly long: string | undefined;
  readonly short: string | undefined;
  readonly description: string;
  readonly takesValue: boolean;
  readonly choices: readonly string[] | undefined;
  readonly file: boolean;
}

export interface CommandNode {
  /** Space-separated subcommand names from the root ('' is the root). */
  readonly path: string;
  readonly subcommands: readonly { readonly name: string; readonly description: string }[];
  /** Own options (the root's are the global options). */
  readonly options: readonly OptionSpec[];
  /** Fixed words accepted as the first argument (argument choices). */
  readonly words: readonly string[];
  /** The first argument is a file. */
  readonly fileArgument: boolean;
}

const FILE_OPTIONS = new Set(['--file', '--out', '--ids-file', '--failed-out']);
const FILE_ARGUMENTS = new Set(['file']);

function optionsOf(cmd: Command): OptionSpec[] {
  const specs: OptionSpec[] = cmd.options
    .filter((o) => !o.hidden)
    .map((o) => ({
      long: o.long,
      short: o.short,
      description: o.description,
      takesValue: o.required || o.optional,
      choices: o.argChoices,
      file: o.long !== undefined && FILE_OPTIONS.has(o.long),
    }));
  specs.push({
    long: '--help',
    short: '-h',
    description: 'show help',
    takesValue: false,
    choices: undefined,
    file: false,
  });
  return specs;
}

export function commandTree(program: Command): CommandNode[] {
  const nodes: CommandNode[] = [];
  const walk = (cmd: Command, path: string) => {
    const first = cmd.registeredArguments[0];
    nodes.push({
      path,
      subcommands: cmd.commands.map((c) => ({ name: c.name(), description: c.summary() || c.description() })),
      options: optionsOf(cmd),
      words: first?.argChoices ?? [],
      fileArgument: first !== undefined && FILE_ARGUMENTS.has(first.name()),
    });
    for (const sub of cmd.commands) walk(sub, path === '' ? sub.name() : `${path} ${sub.name()}`);
  };
  walk(program, '');
  return nodes;
}

export function optionNames(o: OptionSpec): string[] {
  return [o.short, o.long].filter((n): n is string => n !== undefined);
}

/** Every option name (any command) that takes a value, so its value is not taken for a subcommand. */
export function valueOptionNames(nodes: readonly CommandNode[]): string[] {
  const names = new Set<string>();
  for (const n of nodes)
    for (const o of n.options) if (o.takesValue) optionNames(o).forEach((x) => names.add(x));
  return [...names].sort();
}

/** Single-line description for shells. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
