/**
 * Records every state of a namespace's runs as the apiserver sends it (a watch sees every write), so a
 * test can assert what was never written, e.g. phase Cancelled while a step still ran.
 */
import { Watch } from '@kubernetes/client-node';
import type { OrchestrationRunStatus } from '../../core/index.js';
import { kubeConfig } from './sandbox.js';

export interface SeenState {
  name: string;
  phase?: string;
  steps: string[];
}

export async function watchRuns(namespace: string) {
  const seen: SeenState[] = [];
  let stopped = false;
  let closed: unknown;
  const request = await new Watch(kubeConfig()).watch(
    `/apis/orchestration.proompteng.ai/v1alpha1/namespaces/${namespace}/orchestrationruns`,
    {},
    (_phase, obj: { metadata: { name: string }; status?: OrchestrationRunStatus }) => {
      seen.push({ name: obj.metadata.name, phase: obj.status?.phase, steps: (obj.status?.steps ?? []).map((s) => s.phase) });
    },
    (err: unknown) => {
      if (!stopped) closed = err ?? new Error('watch closed');
    },
  );
  return {
    seen,
    /** States of a run written with phase Cancelled while a step was still Running or Pending. */
    cancelledTooEarly: (name: string) => {
      // A watch that died would make the answer vacuous.
      if (closed) throw new Error(`the watch of ${namespace} ended early: ${closed instanceof Error ? closed.message : JSON.stringify(closed)}`);
      return seen.filter((s) => s.name === name && s.phase === 'Cancelled' && s.steps.some((p) => p === 'Running' || p === 'Pending'));
    },
    stop: () => {
      stopped = true;
      request.abort();
    },
  };
}
