import { Argument, type Command } from "@commander-js/extra-typings";
import type { GlobalOptions } from "../context.ts";

interface Node {
  path: string;
  words: string[];
}

/** Each command path with the words that may follow it: its subcommands and flags. */
function tree(command: Command<unknown[], Record<string, unknown>>, path = ""): Node[] {
  const words = [
    ...command.commands.map((c) => c.name()),
    ...command.options.map((o) => o.long).filter((flag): flag is string => Boolean(flag)),
  ];
  return [
    { path, words },
    ...command.commands.flatMap((c) => tree(c as never, `${path} ${c.name()}`.trim())),
  ];
}

const scripts = {
  bash: (nodes: Node[]) => `_codechef() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$word" in -*) ;; *) path="\${path:+$path }$word" ;; esac
  done
  case "$path" in
${nodes.map((n) => `    "${n.path}") COMPREPLY=($(compgen -W "${n.words.join(" ")}" -- "$cur")) ;;`).join("\n")}
  esac
}
complete -o default -F _codechef codechef
`,
  zsh: (nodes: Node[]) => `#compdef codechef
_codechef() {
  local -a path_words
  local word
  for word in "\${(@)words[2,CURRENT-1]}"; do
    [[ $word == -* ]] || path_words+=$word
  done
  case "\${(j: :)path_words}" in
${nodes.map((n) => `    "${n.path}") compadd -- ${n.words.join(" ")} ;;`).join("\n")}
  esac
}
compdef _codechef codechef
`,
  fish: (nodes: Node[]) =>
    `function __codechef_path
  set -l words (commandline -opc)
  string join ' ' (string match -v -- '-*' $words[2..-1])
end
${nodes.map((n) => `complete -c codechef -f -n 'test "(__codechef_path)" = "${n.path}"' -a '${n.words.join(" ")}'`).join("\n")}
`,
};

export function completionCommand(program: Command<[], GlobalOptions>) {
  program
    .command("completion")
    .description("Print a shell completion script, e.g. `codechef completion bash >> ~/.bashrc`")
    .addArgument(new Argument("<shell>").choices(["bash", "zsh", "fish"] as const))
    .action((shell) => {
      process.stdout.write(scripts[shell](tree(program as never)));
    });
}
