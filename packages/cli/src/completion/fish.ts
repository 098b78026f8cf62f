/** @module The fish completion script (`egiz completion fish`), generated from the command tree. */
import { oneLine, valueOptionNames, type CommandNode, type OptionSpec } from './tree.js';

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function optionLine(o: OptionSpec, condition: string | undefined): string {
  const parts = ['complete -c egiz'];
  if (condition !== undefined) parts.push(`-n ${q(condition)}`);
  if (o.short) parts.push(`-s ${o.short.slice(1)}`);
  if (o.long) parts.push(`-l ${o.long.slice(2)}`);
  if (o.choices) parts.push(`-x -a ${q(o.choices.join(' '))}`);
  else if (o.file) parts.push('-r -F');
  else if (o.takesValue) parts.push('-x');
  parts.push(`-d ${q(oneLine(o.description))}`);
  return parts.join(' ');
}

export function fishScript(nodes: readonly CommandNode[]): string {
  const subsCases = nodes
    .filter((n) => n.subcommands.length > 0 || n.words.length > 0)
    .map(
      (n) =>
        `    case ${q(n.path)}\n      printf '%s\\n' ${[...n.subcommands.map((s) => s.name), ...n.words].map(q).join(' ')}`,
    );
  const lines: string[] = [];
  for (const n of nodes) {
    const at = `test (__egiz_path) = ${q(n.path)}`;
    for (const s of n.subcommands)
      lines.push(`complete -c egiz -n ${q(at)} -a ${q(s.name)} -d ${q(oneLine(s.description))}`);
    for (const w of n.words) lines.push(`complete -c egiz -n ${q(at)} -a ${q(w)}`);
    for (const o of n.options) lines.push(optionLine(o, n.path === '' ? undefined : at));
    if (n.fileArgument) lines.push(`complete -c egiz -n ${q(at)} -F`);
  }
  return `# fish completion for egiz
# Install: egiz completion fish > ~/.config/fish/completions/egiz.fish

set -g __egiz_value_opts ${valueOptionNames(nodes).join(' ')}

function __egiz_subs
  switch $argv[1]
${subsCases.join('\n')}
  end
end

function __egiz_path
  set -l tokens (commandline -opc)
  set -e tokens[1]
  set -l p ''
  set -l prev ''
  for t in $tokens
    if not string match -q -- '-*' $t; and not contains -- $prev $__egiz_value_opts; and contains -- $t (__egiz_subs "$p")
      set p (string trim -- "$p $t")
    end
    set prev $t
  end
  echo $p
end

complete -c egiz -f
${lines.join('\n')}
`;
}
