/** writeRunStatus: puts the workflow's view of a run on the CR's status subresource. */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import {
  API_GROUP,
  API_VERSION,
  ORCHESTRATION_RUN_PLURAL,
  type Condition,
  type OrchestrationRunStatus,
  type RunIdentity,
  type RunStatusUpdate,
} from '../core/index.js';
import { recordRunEvent } from './run-events.js';

export interface WriteRunStatusInput {
  run: RunIdentity;
  status: RunStatusUpdate;
  /** The workflow run writing: after continue-as-new the CR names the generation that wrote last. */
  runId?: string;
}

interface RunObject {
  metadata: { uid: string; resourceVersion: string; generation?: number };
  status?: OrchestrationRunStatus;
}

/** The Succeeded condition for a finished run; undefined while it runs. lastTransitionTime moves only on change. */
export function succeededCondition(update: RunStatusUpdate, previous: Condition[] | undefined, generation?: number): Condition | undefined {
  const terminal = update.phase === 'Succeeded' || update.phase === 'Failed' || update.phase === 'Cancelled';
  if (!terminal) return undefined;
  const status = update.phase === 'Succeeded' ? 'True' : 'False';
  const before = previous?.find((c) => c.type === 'Succeeded');
  return {
    type: 'Succeeded',
    status,
    reason: update.phase,
    ...(update.message ? { message: update.message } : {}),
    lastTransitionTime: before?.status === status ? before.lastTransitionTime : (update.completionTime ?? update.startTime),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

function notFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 404;
}

export function createStatusActivities(kubeConfig: KubeConfig) {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const target = (run: RunIdentity) => ({ group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_RUN_PLURAL, namespace: run.namespace, name: run.name });
  return {
    async writeRunStatus({ run, status, runId }: WriteRunStatusInput): Promise<void> {
      let current: RunObject;
      try {
        current = (await api.getNamespacedCustomObject(target(run))) as RunObject;
      } catch (err) {
        if (notFound(err)) throw ApplicationFailure.nonRetryable(`OrchestrationRun ${run.namespace}/${run.name} no longer exists`, 'RunNotFound');
        throw err;
      }
      if (current.metadata.uid !== run.uid) {
        throw ApplicationFailure.nonRetryable(`OrchestrationRun ${run.namespace}/${run.name} was recreated (uid ${current.metadata.uid}, expected ${run.uid})`, 'RunNotFound');
      }
      const conditions = (current.status?.conditions ?? []).filter((c) => c.type !== 'Succeeded');
      const succeeded = succeededCondition(status, current.status?.conditions, current.metadata.generation);
      const body = {
        // resourceVersion makes this a compare-and-swap: a concurrent writer causes a 409 and a retry.
        metadata: { resourceVersion: current.metadata.resourceVersion },
        status: {
          ...status,
          conditions: succeeded ? [...conditions, succeeded] : conditions,
          // Only once the bridge wrote the reference: a partial temporal object would fail the schema.
          ...(runId && current.status?.temporal ? { temporal: { ...current.status.temporal, runId } } : {}),
        },
      };
      await api.patchNamespacedCustomObjectStatus({ ...target(run), body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      const before = current.status?.phase;
      const ended = (p: string | undefined) => p === 'Succeeded' || p === 'Failed' || p === 'Cancelled';
      if (ended(status.phase) && !ended(before)) {
        const type = status.phase === 'Succeeded' ? 'Normal' : 'Warning';
        await recordRunEvent(core, run, { type, reason: status.phase, message: status.message ?? status.phase }, 'orchestration-worker');
      }
    },
  };
}
