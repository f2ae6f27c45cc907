/**
 * One watch on a namespace's OrchestrationRuns that notes when each run was first seen in a phase, so a
 * benchmark awaits `Succeeded` as the event arrives instead of polling the apiserver. Started again (list, then
 * watch) when the apiserver ends it.
 */
import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, ORCHESTRATION_RUN_PLURAL } from '../core/index.js';

interface Waiter {
  phases: string[];
  resolve: (at: number) => void;
  reject: (err: Error) => void;
}

type RunObject = { metadata?: { name?: string; deletionTimestamp?: string }; status?: { phase?: string } };

export async function watchRunPhases(kc: KubeConfig, namespace: string) {
  const seen = new Map<string, Map<string, number>>();
  const waiters = new Map<string, Waiter>();
  const path = `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${ORCHESTRATION_RUN_PLURAL}`;
  const api = kc.makeApiClient(CustomObjectsApi);
  let failure: Error | undefined;
  let stopped = false;
  let abort: AbortController | undefined;

  const note = (obj: RunObject) => {
    if (obj.metadata?.deletionTimestamp) return; // a run going away is no news, and forget() must stay forgotten
    const name = obj.metadata?.name;
    const phase = obj.status?.phase;
    if (!name || !phase) return;
    const phases = seen.get(name) ?? new Map<string, number>();
    seen.set(name, phases);
    if (phases.has(phase)) return;
    phases.set(phase, Date.now());
    const waiter = waiters.get(name);
    if (waiter?.phases.includes(phase)) {
      waiters.delete(name);
      waiter.resolve(phases.get(phase)!);
    } else if (waiter && ['Failed', 'Cancelled'].includes(phase)) {
      waiters.delete(name);
      waiter.reject(new Error(`run ${namespace}/${name} ended ${phase}, not ${waiter.phases.join(' or ')}`));
    }
  };
  const fail = (err: Error) => {
    failure = err;
    for (const waiter of waiters.values()) waiter.reject(err);
    waiters.clear();
  };
  // List, then watch from the list's resourceVersion; when the apiserver ends the watch (it does after
  // 30–60 min), list and watch again, so no phase is missed in a long run.
  const connect = async (): Promise<void> => {
    const list = (await api.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_RUN_PLURAL, namespace })) as { metadata: { resourceVersion: string }; items: RunObject[] };
    for (const item of list.items) note(item);
    abort = await new Watch(kc).watch(
      path,
      { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: false },
      (type: string, obj: RunObject) => {
        if (type !== 'DELETED') note(obj);
      },
      (err: unknown) => {
        if (stopped) return;
        if (err) return fail(new Error(`watch on ${path} ended: ${err instanceof Error ? err.message : JSON.stringify(err)}`));
        connect().catch((again: unknown) => fail(new Error(`watch on ${path} could not start again: ${again instanceof Error ? again.message : String(again)}`)));
      },
    );
  };
  await connect();
  return {
    /** Resolves with the time (epoch ms) the run was first seen in one of `phases`. */
    seenIn(name: string, phases: string | string[]): Promise<number> {
      const wanted = typeof phases === 'string' ? [phases] : phases;
      const times = wanted.map((p) => seen.get(name)?.get(p)).filter((at): at is number => at !== undefined);
      if (times.length > 0) return Promise.resolve(Math.min(...times));
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiters.set(name, { phases: wanted, resolve, reject }));
    },
    /** Drops what was seen (after the runs were deleted): the map stays as small as one block. */
    forget: () => seen.clear(),
    stop: () => {
      stopped = true;
      abort?.abort();
    },
  };
}
