/**
 * One watch on a namespace's OrchestrationRuns that notes when each run was first seen in a phase, so a
 * benchmark awaits `Succeeded` as the event arrives instead of polling the apiserver.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, ORCHESTRATION_RUN_PLURAL } from '../core/index.js';

interface Waiter {
  phase: string;
  resolve: (at: number) => void;
  reject: (err: Error) => void;
}

export async function watchRunPhases(kc: KubeConfig, namespace: string) {
  const seen = new Map<string, Map<string, number>>();
  const waiters = new Map<string, Waiter>();
  const path = `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${ORCHESTRATION_RUN_PLURAL}`;
  let failure: Error | undefined;
  const abort = await new Watch(kc).watch(
    path,
    {},
    (_type, obj: { metadata?: { name?: string }; status?: { phase?: string } }) => {
      const name = obj.metadata?.name;
      const phase = obj.status?.phase;
      if (!name || !phase) return;
      const phases = seen.get(name) ?? new Map<string, number>();
      seen.set(name, phases);
      if (phases.has(phase)) return;
      phases.set(phase, Date.now());
      const waiter = waiters.get(name);
      if (waiter?.phase === phase) {
        waiters.delete(name);
        waiter.resolve(phases.get(phase)!);
      } else if (waiter && ['Failed', 'Cancelled'].includes(phase)) {
        waiters.delete(name);
        waiter.reject(new Error(`run ${namespace}/${name} ended ${phase}, not ${waiter.phase}`));
      }
    },
    (err: unknown) => {
      // The benchmark is short; a watch that ends is a failure to report, not to paper over with a relist.
      failure = new Error(`watch on ${path} ended${err instanceof Error ? `: ${err.message}` : ''}`);
      for (const waiter of waiters.values()) waiter.reject(failure);
      waiters.clear();
    },
  );
  return {
    /** Resolves with the time (epoch ms) the run was first seen in `phase`. */
    seenIn(name: string, phase: string): Promise<number> {
      const at = seen.get(name)?.get(phase);
      if (at !== undefined) return Promise.resolve(at);
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiters.set(name, { phase, resolve, reject }));
    },
    stop: () => abort.abort(),
  };
}
