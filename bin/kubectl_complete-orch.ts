#!/usr/bin/env node
/**
 * `kubectl_complete-orch ARGS… CURRENT`: the completions of `kubectl orch ARGS… CURRENT`, one a line, then
 * `:directive`, the protocol kubectl (≥ 1.26) speaks with a plugin's completer found on PATH. The scripts of
 * `kubectl-orch completion bash|zsh` call it too. Runs are listed where the line says (-n, --context,
 * --kubeconfig); a cluster that does not answer within a few seconds gives no candidates, never an error.
 */
import { ORCHESTRATION_RUN_PLURAL } from '../core/api/names.js';
import { completionOutput, whatToComplete, type Completion, type LineGlobals } from '../cli/completion.js';
import { connect, userKubeConfig } from '../cli/kube.js';
import type { RunObject } from '../cli/tree.js';

const ANSWER_WITHIN_MS = 5000;

async function candidates(completion: Completion): Promise<string[]> {
  const cluster = (globals: LineGlobals) => connect(globals);
  switch (completion.kind) {
    case 'words':
      return completion.words;
    case 'runs':
      return (await cluster(completion.globals).list(ORCHESTRATION_RUN_PLURAL, false)).map((r) => (r as unknown as RunObject).metadata.name);
    case 'steps': {
      if (completion.run === undefined) return [];
      const run = (await cluster(completion.globals).get(ORCHESTRATION_RUN_PLURAL, completion.run)) as unknown as RunObject;
      const named = [...(run.status?.steps ?? []), ...(run.spec?.steps ?? []), ...(run.spec?.finally ?? [])].map((s) => s.name);
      return [...new Set(named)];
    }
    case 'contexts':
      return userKubeConfig(completion.globals.kubeconfig).getContexts().map((c) => c.name);
    case 'namespaces': {
      const list = await cluster(completion.globals).core().listNamespace();
      return list.items.map((n) => n.metadata?.name ?? '').filter((n) => n !== '');
    }
    default:
      return [];
  }
}

const args = process.argv.slice(2);
const completion = whatToComplete(args);
let found: string[] = [];
try {
  let timer: NodeJS.Timeout | undefined;
  found = await Promise.race([candidates(completion), new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve([]), ANSWER_WITHIN_MS)))]);
  clearTimeout(timer);
} catch {
  // A completion that cannot reach the cluster offers nothing; the shell shows nothing rather than an error.
}
// Output written, the process ends; a request still open (a slow cluster) must not hold the shell.
process.stdout.write(completionOutput(completion, found, args[args.length - 1] ?? ''), () => process.exit(0));
