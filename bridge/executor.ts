/** Carries out decide()'s actions against Kubernetes and Temporal; every write names the run it is for. */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  ORCHESTRATION_RUN_KIND,
  RUNTIME_CLEANUP_FINALIZER,
  type OrchestrationRun,
} from '../core/index.js';
import { runObjectRef } from '../activities/kube.js';
import { recordRunEvent } from '../activities/run-events.js';
import { searchAttributeKeys } from '../workflows/definitions.js';
import type { Action, BridgeSettings } from './types.js';

export interface ExecutorDeps {
  kubeConfig: KubeConfig;
  client: Client;
  settings: BridgeSettings;
  requeue: (afterMs: number) => void;
  onWorkflowStarted?: (run: OrchestrationRun) => void;
  /** Called after a finished run was deleted because its retention ran out. */
  onRunDeleted?: (run: OrchestrationRun, reason: string) => void;
  /** Called for each write to the Kubernetes API, by kind (finalizer, status, event). */
  onApiWrite?: (kind: string) => void;
  identity: string;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function createExecutor(deps: ExecutorDeps) {
  const objects = deps.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = deps.kubeConfig.makeApiClient(CoreV1Api);
  const target = (run: OrchestrationRun) => runObjectRef(run.metadata);
  // resourceVersion makes each write a compare-and-swap against what decide() saw: a stale view gets a 409.
  const precondition = (run: OrchestrationRun) => ({ resourceVersion: run.metadata.resourceVersion });

  async function act(run: OrchestrationRun, workflowId: string, action: Action): Promise<void> {
    const finalizers = run.metadata.finalizers ?? [];
    switch (action.type) {
      case 'addFinalizer':
        await objects.patchNamespacedCustomObject(
          { ...target(run), body: { metadata: { ...precondition(run), finalizers: [...finalizers, RUNTIME_CLEANUP_FINALIZER] } } },
          merge,
        );
        // The object changed: the rest of this pass would run on a stale resourceVersion.
        run.metadata.resourceVersion = undefined;
        return;
      case 'removeFinalizer':
        await objects.patchNamespacedCustomObject(
          { ...target(run), body: { metadata: { ...precondition(run), finalizers: finalizers.filter((f) => f !== RUNTIME_CLEANUP_FINALIZER) } } },
          merge,
        );
        return;
      case 'startWorkflow': {
        const { snapshot } = action;
        try {
          await deps.client.workflow.start('orchestrationRunWorkflow', {
            taskQueue: deps.settings.taskQueue,
            workflowId,
            args: [{ snapshot }],
            // One workflow per CR: a restarted bridge finds the running one instead of starting another,
            // and a closed one is never started again for the same uid.
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            typedSearchAttributes: new TypedSearchAttributes([
              { key: searchAttributeKeys.OrchestrationRunNamespace, value: snapshot.run.namespace },
              { key: searchAttributeKeys.OrchestrationRunName, value: snapshot.run.name },
              { key: searchAttributeKeys.OrchestrationRunUid, value: snapshot.run.uid },
              ...(snapshot.run.orchestrationName ? [{ key: searchAttributeKeys.OrchestrationName, value: snapshot.run.orchestrationName }] : []),
            ]),
            staticSummary: `${ORCHESTRATION_RUN_KIND} ${snapshot.run.namespace}/${snapshot.run.name}`,
            staticDetails: `${snapshot.steps.length} steps · uid ${snapshot.run.uid}${snapshot.run.orchestrationName ? ` · Orchestration ${snapshot.run.orchestrationName}` : ''}`,
          });
          deps.onWorkflowStarted?.(run);
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
        return;
      }
      case 'deleteRun':
        // The uid precondition: never a run recreated under the same name since decide() looked.
        await objects.deleteNamespacedCustomObject({ ...target(run), propagationPolicy: 'Background', body: { preconditions: { uid: run.metadata.uid } } });
        deps.onRunDeleted?.(run, action.reason);
        return;
      case 'cancelWorkflow':
        await deps.client.workflow.getHandle(workflowId).cancel();
        return;
      case 'patchStatus':
        await objects.patchNamespacedCustomObjectStatus({ ...target(run), body: { metadata: precondition(run), status: action.status } }, merge);
        run.metadata.resourceVersion = undefined;
        return;
      case 'event':
        await recordRunEvent(core, run.metadata, { type: action.eventType, reason: action.reason, message: action.message }, 'orchestration-bridge', deps.identity);
        return;
      case 'requeue':
        deps.requeue(action.afterMs);
        return;
    }
  }

  return {
    /** Runs the actions in order; the first failure stops the pass (reconcile will retry it). */
    async execute(run: OrchestrationRun, workflowId: string, actions: Action[]): Promise<void> {
      for (const action of actions) {
        await act(run, workflowId, action);
        if (action.type !== 'startWorkflow' && action.type !== 'cancelWorkflow' && action.type !== 'requeue') deps.onApiWrite?.(action.type);
      }
    },
  };
}
