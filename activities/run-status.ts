/** writeRunStatus: puts the workflow's view of a run on the CR's status subresource. */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import {
  setCondition,
  type Condition,
  type OrchestrationRunStatus,
  type RunIdentity,
  type RunStatusUpdate,
} from '../core/index.js';
import { isNotFound, runObjectRef } from './kube.js';
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

/**
 * The conditions after a status write: a finished run gets its Succeeded condition (lastTransitionTime
 * moves only when its status does); while it runs there is none.
 */
export function conditionsAfter(update: RunStatusUpdate, previous: Condition[] | undefined, generation?: number): Condition[] {
  const terminal = update.phase === 'Succeeded' || update.phase === 'Failed' || update.phase === 'Cancelled';
  if (!terminal) return (previous ?? []).filter((c) => c.type !== 'Succeeded');
  return setCondition(
    previous,
    {
      type: 'Succeeded',
      status: update.phase === 'Succeeded' ? 'True' : 'False',
      reason: update.phase,
      ...(update.message ? { message: update.message } : {}),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    },
    update.completionTime ?? update.startTime,
  );
}

export function createStatusActivities(kubeConfig: KubeConfig) {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    async writeRunStatus({ run, status, runId }: WriteRunStatusInput): Promise<void> {
      let current: RunObject;
      try {
        current = (await api.getNamespacedCustomObject(runObjectRef(run))) as RunObject;
      } catch (err) {
        if (isNotFound(err)) throw ApplicationFailure.nonRetryable(`OrchestrationRun ${run.namespace}/${run.name} no longer exists`, 'RunNotFound');
        throw err;
      }
      if (current.metadata.uid !== run.uid) {
        throw ApplicationFailure.nonRetryable(`OrchestrationRun ${run.namespace}/${run.name} was recreated (uid ${current.metadata.uid}, expected ${run.uid})`, 'RunNotFound');
      }
      const body = {
        // resourceVersion makes this a compare-and-swap: a concurrent writer causes a 409 and a retry.
        metadata: { resourceVersion: current.metadata.resourceVersion },
        status: {
          ...status,
          conditions: conditionsAfter(status, current.status?.conditions, current.metadata.generation),
          // Only once the bridge wrote the reference: a partial temporal object would fail the schema.
          ...(runId && current.status?.temporal ? { temporal: { ...current.status.temporal, runId } } : {}),
        },
      };
      await api.patchNamespacedCustomObjectStatus({ ...runObjectRef(run), body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      const before = current.status?.phase;
      const ended = (p: string | undefined) => p === 'Succeeded' || p === 'Failed' || p === 'Cancelled';
      if (ended(status.phase) && !ended(before)) {
        const type = status.phase === 'Succeeded' ? 'Normal' : 'Warning';
        await recordRunEvent(core, run, { type, reason: status.phase, message: status.message ?? status.phase }, 'orchestration-worker');
      }
    },
  };
}
