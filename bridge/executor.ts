/** Carries out decide()'s actions against Kubernetes and Temporal; every write names the run it is for. */
import { BatchV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  API_GROUP_VERSION,
  boundText,
  cancelCause,
  EVENT_MESSAGE_MAX_BYTES,
  conditionOf,
  Reasons,
  ORCHESTRATION_RUN_KIND,
  RUNTIME_CLEANUP_FINALIZER,
  runJobSelector,
  setCondition,
  STATUS_FIELD_MANAGERS,
  type OrchestrationRun,
} from '../core/index.js';
import { apiErrorMessage, isNotFound, runObjectRef } from '../activities/kube.js';
import { recordRunEvent } from '../activities/run-events.js';
import { searchAttributeKeys, specControlsSignal } from '../workflows/definitions.js';
import { rejectedForGood, type TerminalError } from './reconcile-result.js';
import type { Action, BridgeSettings } from './types.js';

export interface ExecutorDeps {
  kubeConfig: KubeConfig;
  client: Client;
  settings: BridgeSettings;
  onWorkflowStarted?: (run: OrchestrationRun) => void;
  /** Called after a finished run was deleted because its retention ran out. */
  onRunDeleted?: (run: OrchestrationRun, reason: string) => void;
  /** Called for each write to the Kubernetes API, by kind (finalizer, status, event). */
  onApiWrite?: (kind: string) => void;
  /** A cancel ended (request → phase Cancelled); forced: by the cancel timeout. */
  onCancelEnded?: (seconds: number | undefined, forced: boolean) => void;
  /** A best-effort cleanup step failed; a Warning Event says so too. */
  onCleanupFailed?: (run: OrchestrationRun, what: string, error: string) => void;
  identity: string;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The Ready reason of a run the bridge cannot reconcile (a TerminalError); users may match on it. */
export const RECONCILE_FAILED = Reasons.ReconcileFailed;

/** A write for `run` the apiserver rejected as such is terminal (see rejectedForGood). */
export function terminalIfRejected(err: unknown, run: OrchestrationRun, what: string): unknown {
  return rejectedForGood(err, `${what} for ${run.metadata.namespace}/${run.metadata.name}`);
}

/** Built once per controller: the API clients live as long as it does; execute() is called per reconcile. */
export function createExecutor(deps: ExecutorDeps) {
  const objects = deps.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = deps.kubeConfig.makeApiClient(CoreV1Api);
  const batch = deps.kubeConfig.makeApiClient(BatchV1Api);
  const target = (run: OrchestrationRun) => runObjectRef(run.metadata);
  // resourceVersion makes each write a compare-and-swap against what decide() saw: a stale view gets a 409.
  const precondition = (run: OrchestrationRun) => ({ resourceVersion: run.metadata.resourceVersion });

  /** A best-effort step that failed is reported (Warning Event, log) and the pass goes on. */
  async function actBestEffort(run: OrchestrationRun, workflowId: string, action: Action): Promise<void> {
    try {
      await act(run, workflowId, action);
    } catch (err) {
      const error = apiErrorMessage(err);
      deps.onCleanupFailed?.(run, action.type, error);
      await recordRunEvent(core, run.metadata, { type: 'Warning', reason: 'CleanupFailed', message: `${action.type} failed: ${error}` }, 'orchestration-bridge', deps.identity).catch(() => undefined);
    }
  }

  async function act(run: OrchestrationRun, workflowId: string, action: Action): Promise<void> {
    const finalizers = run.metadata.finalizers ?? [];
    switch (action.type) {
      case 'addFinalizer':
        // The object changed: the rest of this pass goes on from the version this write made.
        run.metadata.resourceVersion = versionOf(
          await objects.patchNamespacedCustomObject({ ...target(run), body: { metadata: { ...precondition(run), finalizers: [...finalizers, RUNTIME_CLEANUP_FINALIZER] } } }, merge),
        );
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
        await objects.deleteNamespacedCustomObject({ ...target(run), body: { propagationPolicy: 'Background', preconditions: { uid: run.metadata.uid } } });
        deps.onRunDeleted?.(run, action.reason);
        return;
      case 'cancelWorkflow':
        // The cause travels in the request and comes back in the cancel-requested history event.
        await ignoreGone(
          deps.client.workflowService.requestCancelWorkflowExecution({
            namespace: deps.client.options.namespace,
            workflowExecution: { workflowId },
            identity: deps.client.options.identity ?? deps.identity,
            // One request id per run and cause: repeating the request is idempotent.
            requestId: `${run.metadata.uid}/${action.cause}`,
            reason: action.cause,
          }),
        );
        return;
      case 'signalControls':
        await ignoreGone(deps.client.workflow.getHandle(workflowId).signal(specControlsSignal, action.controls));
        return;
      case 'terminateWorkflow':
        await ignoreGone(deps.client.workflow.getHandle(workflowId).terminate(action.reason));
        return;
      case 'deleteJobs':
        // Background, not a Job's default Orphan: the Pods go too.
        await batch.deleteCollectionNamespacedJob({ namespace: run.metadata.namespace, labelSelector: runJobSelector(run.metadata), body: { propagationPolicy: 'Background' } });
        return;
      case 'markCancel':
        await objects.patchNamespacedCustomObjectStatus({ ...target(action.target), body: { metadata: precondition(action.target), status: action.status } }, merge);
        await recordRunEvent(core, action.target.metadata, { type: 'Normal', reason: 'CancelRequested', message: action.message }, 'orchestration-bridge', deps.identity);
        return;
      case 'cancelEnded':
        deps.onCancelEnded?.(action.seconds, action.forced);
        return;
      case 'patchStatus':
        // A later write of this pass (the finalizer after a Starting record) stays a compare-and-swap.
        run.metadata.resourceVersion = versionOf(await objects.patchNamespacedCustomObjectStatus({ ...target(run), body: { metadata: precondition(run), status: action.status } }, merge));
        return;
      case 'applyStatus':
        // No resourceVersion: the workflow writes its own fields beside these, and neither conflicts.
        await objects.patchNamespacedCustomObjectStatus(
          {
            ...target(run),
            body: { apiVersion: API_GROUP_VERSION, kind: ORCHESTRATION_RUN_KIND, metadata: { name: run.metadata.name, namespace: run.metadata.namespace }, status: action.status },
            fieldManager: STATUS_FIELD_MANAGERS.bridge,
            force: true,
          },
          setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
        );
        run.metadata.resourceVersion = undefined;
        return;
      case 'event':
        await recordRunEvent(core, action.target ?? run.metadata, { type: action.eventType, reason: action.reason, message: action.message }, 'orchestration-bridge', deps.identity);
        return;
    }
  }

  return {
    /**
     * Runs the actions in order; the first failure stops the pass and is thrown (the queue retries it with
     * backoff), or thrown as a TerminalError when the apiserver rejected the request as such.
     */
    async execute(run: OrchestrationRun, workflowId: string, actions: Action[]): Promise<void> {
      for (const action of actions) {
        if ('bestEffort' in action && action.bestEffort) await actBestEffort(run, workflowId, action);
        else {
          try {
            await act(run, workflowId, action);
          } catch (err) {
            throw terminalIfRejected(err, run, action.type);
          }
        }
        if (!['startWorkflow', 'cancelWorkflow', 'terminateWorkflow', 'signalControls', 'cancelEnded'].includes(action.type)) deps.onApiWrite?.(action.type);
      }
    },
    /**
     * Asks Temporal to cancel a workflow whose run is gone, with the cause deletion gives (the history records
     * it: cancelledBy deletion) and the same request id, so an earlier request of the deletion is not repeated.
     */
    async cancelOrphan(workflow: { workflowId: string; uid: string }): Promise<void> {
      const cause = cancelCause({ reason: Reasons.Deletion, cancelledBy: 'deletion' });
      await ignoreGone(
        deps.client.workflowService.requestCancelWorkflowExecution({
          namespace: deps.client.options.namespace,
          workflowExecution: { workflowId: workflow.workflowId },
          identity: deps.client.options.identity ?? deps.identity,
          requestId: `${workflow.uid}/${cause}`,
          reason: cause,
        }),
      );
    },
    /** The uid of the run of that name as the apiserver has it now; undefined when there is none. */
    async currentRunUid(namespace: string, name: string): Promise<string | undefined> {
      try {
        const run = (await objects.getNamespacedCustomObject(runObjectRef({ namespace, name }))) as OrchestrationRun;
        return run.metadata.uid;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    /**
     * Shows a TerminalError on the run: Ready=False/ReconcileFailed with the (bounded) message, and a Warning
     * Event, both only when the condition did not already say so (a resync meets the same error again).
     */
    async reportTerminal(run: OrchestrationRun, error: TerminalError, now: string): Promise<void> {
      const message = boundText(error.message, EVENT_MESSAGE_MAX_BYTES);
      const ready = conditionOf(run.status?.conditions, 'Ready');
      if (ready?.status === 'False' && ready.reason === RECONCILE_FAILED && ready.message === message) return;
      const conditions = setCondition(run.status?.conditions, { type: 'Ready', status: 'False', reason: RECONCILE_FAILED, message, observedGeneration: run.metadata.generation }, now);
      await objects.patchNamespacedCustomObjectStatus({ ...target(run), body: { metadata: precondition(run), status: { conditions } } }, merge);
      deps.onApiWrite?.('patchStatus');
      await recordRunEvent(core, run.metadata, { type: 'Warning', reason: RECONCILE_FAILED, message }, 'orchestration-bridge', deps.identity);
      deps.onApiWrite?.('event');
    },
  };
}

/** The resourceVersion a write returned; undefined (the next write unconditional) when the response lacks it. */
function versionOf(written: unknown): string | undefined {
  const version = (written as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
  return typeof version === 'string' ? version : undefined;
}

/** A workflow that no longer exists needs no cancel or terminate. */
async function ignoreGone(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || isNotFound(err) || (err as { code?: number }).code === 5) return;
    throw err;
  }
}
