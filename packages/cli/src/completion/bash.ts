/** @module The bash completion script (`egiz completion bash`), generated from the command tree. */
import { optionNames, valueOptionNames, type CommandNode } from './tree.js';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashScript(nodes: readonly CommandNode[]): string {
  const root = nodes.find((n) => n.path === '');
  const globals = (root?.options ?? []).flatMap(optionNames);
  const subs = nodes
    .filter((n) => n.subcommands.length > 0 || n.words.length > 0)
    .map(
      (n) => `    ${q(n.path)}) echo ${q([...n.subcommands.map((s) => s.name), ...n.words].join(' '))} ;;`,
    );
  const opts = nodes
    .filter((n) => n.path !== '')
    .map((n) => `    ${q(n.path)}) echo ${q(n.options.flatMap(optionNames).join(' '))} ;;`);
  const all = nodes.flatMap((n) => n.options);
  const choiceCases = all
    .filter((o) => o.choices)
    .map(
      (o) =>
        `    ${optionNames(o).join('|')}) COMPREPLY=($(compgen -W ${q((o.choices ?? []).join(' '))} -- "$cur")); return ;;`,
    );
  const fileOpts = [...new Set(all.filter((o) => o.file).flatMap(optionNames))];
  const fileArgPaths = nodes.filter((n) => n.fileArgument).map((n) => n.path);
  return `# bash completion for egiz
# Install: egiz completion bash > ~/.local/share/bash-completion/completions/egiz
#      or: source <(egiz completion bash)   (e.g. in ~/.bashrc)

_egiz_subs() {
  case "$1" in
${subs.join('\n')}
  esac
}

_egiz_opts() {
  case "$1" in
${opts.join('\n')}
  esac
}

_egiz_value_opts=${q(' ' + valueOptionNames(nodes).join(' ') + ' ')}

_egiz() {
  local cur prev w i cmdpath=""
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    [[ "$_egiz_value_opts" == *" \${COMP_WORDS[i-1]} "* ]] && continue
    [[ " $(_egiz_subs "$cmdpath") " == *" $w "* ]] && cmdpath="\${cmdpath:+$cmdpath }$w"
  done
  case "$prev" in
${choiceCases.join('\n')}
    ${fileOpts.length > 0 ? fileOpts.join('|') : '--no-file-options'}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  [[ "$_egiz_value_opts" == *" $prev "* ]] && { COMPREPLY=(); return; }
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_egiz_opts "$cmdpath") ${globals.join(' ')}" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_egiz_subs "$cmdpath")" -- "$cur"))
    case "$cmdpath" in
      ${fileArgPaths.length > 0 ? fileArgPaths.map(q).join('|') : "'-'"}) COMPREPLY+=($(compgen -f -- "$cur")) ;;
    esac
  fi
}

complete -F _egiz egiz
`;
}
