/** @module The zsh completion script (`egiz completion zsh`), generated from the command tree. */
import { oneLine, optionNames, valueOptionNames, type CommandNode } from './tree.js';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const entry = (name: string, description: string) =>
  q(`${name.replace(/:/g, '\\:')}:${oneLine(description)}`);

export function zshScript(nodes: readonly CommandNode[]): string {
  const root = nodes.find((n) => n.path === '');
  const globals = (root?.options ?? []).flatMap((o) => optionNames(o).map((n) => entry(n, o.description)));
  const subs = nodes
    .filter((n) => n.subcommands.length > 0 || n.words.length > 0)
    .map(
      (n) =>
        `    ${q(n.path)}) reply=(${[...n.subcommands.map((s) => entry(s.name, s.description)), ...n.words.map((w) => entry(w, w))].join(' ')}) ;;`,
    );
  const opts = nodes
    .filter((n) => n.path !== '')
    .map(
      (n) =>
        `    ${q(n.path)}) reply=(${n.options.flatMap((o) => optionNames(o).map((x) => entry(x, o.description))).join(' ')}) ;;`,
    );
  const all = nodes.flatMap((n) => n.options);
  const choiceCases = all
    .filter((o) => o.choices)
    .map((o) => `    ${optionNames(o).join('|')}) compadd -- ${(o.choices ?? []).join(' ')}; return ;;`);
  const fileOpts = [...new Set(all.filter((o) => o.file).flatMap(optionNames))];
  const fileArgPaths = nodes.filter((n) => n.fileArgument).map((n) => n.path);
  return `#compdef egiz
# zsh completion for egiz
# Install: egiz completion zsh > "\${fpath[1]}/_egiz"   (then start a new shell)
#      or: source <(egiz completion zsh)             (after compinit, e.g. in ~/.zshrc)

_egiz_subs() {
  case "$1" in
${subs.join('\n')}
    *) reply=() ;;
  esac
}

_egiz_opts() {
  case "$1" in
${opts.join('\n')}
    *) reply=() ;;
  esac
}

_egiz() {
  local -a reply names described
  local cmdpath="" w i prev
  local value_opts=${q(' ' + valueOptionNames(nodes).join(' ') + ' ')}
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    [[ $w == -* ]] && continue
    [[ $value_opts == *" \${words[i-1]} "* ]] && continue
    _egiz_subs "$cmdpath"; names=(\${reply%%:*})
    (( \${names[(Ie)$w]} )) && cmdpath="\${cmdpath:+$cmdpath }$w"
  done
  prev=\${words[CURRENT-1]}
  case $prev in
${choiceCases.join('\n')}
    ${fileOpts.length > 0 ? fileOpts.join('|') : '--no-file-options'}) _files; return ;;
  esac
  [[ $value_opts == *" $prev "* ]] && return
  if [[ \${words[CURRENT]} == -* ]]; then
    _egiz_opts "$cmdpath"; described=("\${reply[@]}" ${globals.join(' ')})
    _describe -t options option described
  else
    _egiz_subs "$cmdpath"; described=("\${reply[@]}")
    (( \${#described} )) && _describe -t commands command described
    case $cmdpath in
      ${fileArgPaths.length > 0 ? fileArgPaths.map(q).join('|') : "'-'"}) _files ;;
    esac
  fi
}

if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _egiz "$@"
else
  compdef _egiz egiz
fi
`;
}
