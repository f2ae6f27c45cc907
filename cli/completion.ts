/**
 * Shell completion, in one place: `whatToComplete` reads a partial command line and says what may come next
 * (a command, a flag of that command, a run, a step, a file). `kubectl_complete-orch` answers with it, in the
 * protocol kubectl (≥ 1.26) uses for a plugin's completion (`kubectl orch <TAB>`), and the bash and zsh scripts
 * of `kubectl-orch completion` ask that same executable, so both complete alike.
 */

export const COMMAND_NAMES = ['lint', 'submit', 'get', 'list', 'wait', 'logs', 'cancel', 'retry', 'suspend', 'resume', 'approve', 'reject', 'ui', 'completion'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** What a positional argument or a flag's value is. */
export type ValueKind = 'run' | 'step' | 'file' | 'context' | 'namespace' | 'text' | readonly string[];

interface FlagSpec {
  names: readonly string[];
  /** The kind of value the flag takes; none for a switch. */
  value?: ValueKind;
}

interface CommandSpec {
  flags: readonly FlagSpec[];
  /** Positional arguments in order; the last of a variadic command repeats. */
  args: readonly ValueKind[];
  variadic?: boolean;
}

const HELP: FlagSpec = { names: ['-h', '--help'] };
/** The flags every command takes (-A is `list`'s alone). */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [{ names: ['--kubeconfig'], value: 'file' }, { names: ['--context'], value: 'context' }, { names: ['-n', '--namespace'], value: 'namespace' }, { names: ['--version'] }, HELP];

const output = (...formats: string[]): FlagSpec => ({ names: ['-o', '--output'], value: formats });
const watch: FlagSpec = { names: ['-w', '--watch'] };
const runOnly: CommandSpec = { flags: [], args: ['run'] };

/** Each command's own flags and arguments, as cli/program.ts defines them (a unit test holds the two together). */
export const COMMANDS: Record<CommandName, CommandSpec> = {
  lint: { flags: [output('text', 'json'), { names: ['--cluster'] }], args: ['file'], variadic: true },
  submit: { flags: [{ names: ['--from'], value: 'text' }, { names: ['-p', '--param'], value: 'text' }, { names: ['--name'], value: 'text' }, watch, output('name', 'tree')], args: ['file'] },
  get: { flags: [output('tree', 'json', 'yaml')], args: ['run'] },
  list: { flags: [{ names: ['-A', '--all-namespaces'] }, output('table', 'name')], args: [] },
  wait: { flags: [watch], args: ['run'] },
  logs: { flags: [{ names: ['-f', '--follow'] }], args: ['run', 'step'] },
  cancel: { flags: [{ names: ['--reason'], value: 'text' }], args: ['run'] },
  retry: { flags: [{ names: ['--rerun'], value: 'step' }, { names: ['--name'], value: 'text' }, watch], args: ['run'] },
  suspend: runOnly,
  resume: runOnly,
  approve: { flags: [], args: ['run', 'step'] },
  reject: { flags: [], args: ['run', 'step'] },
  ui: runOnly,
  completion: { flags: [], args: [['bash', 'zsh']] },
};
const ALIASES: Record<string, CommandName> = { ls: 'list' };

/** The cluster options found on the line, so runs are listed where the command will look (`-n NS`). */
export interface LineGlobals {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** What the word being completed may be. */
export type Completion =
  | { kind: 'words'; words: string[] }
  | { kind: 'files' }
  | { kind: 'runs'; globals: LineGlobals }
  | { kind: 'steps'; run: string | undefined; globals: LineGlobals }
  | { kind: 'contexts'; globals: LineGlobals }
  | { kind: 'namespaces'; globals: LineGlobals }
  | { kind: 'nothing' };

const GLOBAL_KEYS: Record<string, keyof LineGlobals> = { '--kubeconfig': 'kubeconfig', '--context': 'context', '-n': 'namespace', '--namespace': 'namespace' };

/**
 * What may come at the end of `args` (the words after `kubectl-orch`/`kubectl orch`, the last being the one
 * under completion, maybe empty). Pure: the caller lists runs, steps, contexts or files.
 */
export function whatToComplete(args: readonly string[]): Completion {
  const words = args.slice(0, -1);
  const current = args[args.length - 1] ?? '';
  const globals: LineGlobals = {};
  let command: CommandName | undefined;
  const positionals: string[] = [];
  const flagsNow = () => [...GLOBAL_FLAGS, ...(command ? COMMANDS[command].flags : [])];
  const flagOf = (word: string) => flagsNow().find((f) => f.names.includes(word));
  let pending: FlagSpec | undefined;
  let pendingName = '';
  for (const word of words) {
    if (pending) {
      const key = GLOBAL_KEYS[pendingName];
      if (key) globals[key] = word;
      pending = undefined;
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      const [name, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
      const flag = flagOf(name);
      if (flag?.value !== undefined) {
        if (inline !== undefined) {
          const key = GLOBAL_KEYS[name];
          if (key) globals[key] = inline;
        } else {
          pending = flag;
          pendingName = name;
        }
      }
      continue;
    }
    if (command === undefined) {
      const named = (COMMAND_NAMES as readonly string[]).includes(word) ? (word as CommandName) : ALIASES[word];
      if (named === undefined) return { kind: 'nothing' };
      command = named;
    } else positionals.push(word);
  }
  const valueOf = (kind: ValueKind): Completion => {
    if (typeof kind !== 'string') return { kind: 'words', words: kind.filter((w) => w.startsWith(current)) };
    switch (kind) {
      case 'run':
        return { kind: 'runs', globals };
      case 'step':
        return { kind: 'steps', run: positionals[0], globals };
      case 'file':
        return { kind: 'files' };
      case 'context':
        return { kind: 'contexts', globals };
      case 'namespace':
        return { kind: 'namespaces', globals };
      default:
        return { kind: 'nothing' };
    }
  };
  if (pending) return valueOf(pending.value!);
  if (current.startsWith('-')) {
    const names = flagsNow().flatMap((f) => f.names);
    return { kind: 'words', words: names.filter((n) => n.startsWith(current)) };
  }
  if (command === undefined) return { kind: 'words', words: COMMAND_NAMES.filter((c) => c.startsWith(current)) };
  const spec = COMMANDS[command];
  const kind = positionals.length < spec.args.length ? spec.args[positionals.length] : spec.variadic ? spec.args[spec.args.length - 1] : undefined;
  return kind === undefined ? { kind: 'nothing' } : valueOf(kind);
}

/** Cobra's ShellCompDirective values, which kubectl reads from a plugin completer's last line (`:4`). */
export const DIRECTIVE = { default: 0, noFileComp: 4 } as const;

/**
 * The completer's answer in kubectl's plugin protocol: one candidate a line, then `:directive`. Files are left
 * to the shell (the default directive, no candidates); anything else turns the shell's file fallback off.
 */
export function completionOutput(completion: Completion, candidates: readonly string[], current: string): string {
  if (completion.kind === 'files') return `:${DIRECTIVE.default}\n`;
  const matching = candidates.filter((c) => c.startsWith(current));
  return `${matching.map((c) => `${c}\n`).join('')}:${DIRECTIVE.noFileComp}\n`;
}

/** The executable kubectl runs to complete `kubectl orch …`: kubectl_complete-<plugin>. */
export const COMPLETER = 'kubectl_complete-orch';

export function completionScript(shell: 'bash' | 'zsh'): string {
  // Each completion asks kubectl_complete-orch (installed beside kubectl-orch), the same answer kubectl gets.
  const bash = `# kubectl-orch bash completion: source <(kubectl-orch completion bash)
# (\`kubectl orch <TAB>\` needs no script: kubectl runs ${COMPLETER}, installed beside kubectl-orch.)
_kubectl_orch() {
  local out line directive=0
  COMPREPLY=()
  if ! command -v ${COMPLETER} >/dev/null; then
    # Without the completer (only kubectl-orch copied to PATH): the commands, then files.
    if (( COMP_CWORD == 1 )); then COMPREPLY=( $(compgen -W "${COMMAND_NAMES.join(' ')}" -- "\${COMP_WORDS[COMP_CWORD]}") ); else compopt -o default 2>/dev/null; fi
    return
  fi
  out=$(${COMPLETER} "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return
  # One candidate a line, then :directive (read line by line: zsh's bashcompinit has no mapfile).
  while IFS= read -r line; do
    case $line in
      :*) directive=\${line#:} ;;
      '') ;;
      *) COMPREPLY+=("$line") ;;
    esac
  done <<<"$out"
  if (( \${#COMPREPLY[@]} == 0 && (directive & ${DIRECTIVE.noFileComp}) == 0 )); then compopt -o default 2>/dev/null; fi
}
complete -F _kubectl_orch kubectl-orch
`;
  if (shell === 'bash') return bash;
  return `#compdef kubectl-orch
# kubectl-orch zsh completion: source <(kubectl-orch completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash}`;
}
