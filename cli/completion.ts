/** Shell completion scripts: commands and flags are fixed; run names come from `kubectl-orch list -o name`. */

export const COMMAND_NAMES = ['lint', 'submit', 'get', 'list', 'wait', 'logs', 'cancel', 'retry', 'suspend', 'resume', 'approve', 'reject', 'ui', 'completion'] as const;
const GLOBAL_FLAGS = ['--kubeconfig', '--context', '-n', '--namespace', '-A', '--all-namespaces', '-h', '--help'];
/** Commands whose first argument is a run. */
const RUN_COMMANDS = ['get', 'wait', 'logs', 'cancel', 'retry', 'suspend', 'resume', 'approve', 'reject', 'ui'];

export function completionScript(shell: 'bash' | 'zsh'): string {
  const bash = `# kubectl-orch bash completion: source <(kubectl-orch completion bash)
_kubectl_orch() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=( $(compgen -W "${COMMAND_NAMES.join(' ')} ${GLOBAL_FLAGS.join(' ')}" -- "$cur") )
    return
  fi
  case "$cur" in -*) COMPREPLY=( $(compgen -W "${GLOBAL_FLAGS.join(' ')} -o --output -w --watch -f --follow -p --param --from --rerun --timeout --cluster" -- "$cur") ); return ;; esac
  case "$cmd" in
    ${RUN_COMMANDS.join('|')}) COMPREPLY=( $(compgen -W "$(kubectl-orch list -o name 2>/dev/null)" -- "$cur") ) ;;
    completion) COMPREPLY=( $(compgen -W "bash zsh" -- "$cur") ) ;;
    lint|submit) COMPREPLY=( $(compgen -f -- "$cur") ) ;;
  esac
}
complete -F _kubectl_orch kubectl-orch
`;
  if (shell === 'bash') return bash;
  return `#compdef kubectl-orch
# kubectl-orch zsh completion: source <(kubectl-orch completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash}`;
}
