/** writeRunStatus: puts the workflow's view of a run on the CR's status subresource. */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  API_GROUP_VERSION,
  ORCHESTRATION_RUN_KIND,
  STATUS_FIELD_MANAGERS,
  cancelledConditions,
  cancelledMessage,
  fitObjectLimit,
  isTerminalPhase,
  pendingCancel,
  Reasons,
  setCondition,
  type Condition,
  type OrchestrationRunStatus,
  type RunIdentity,
  type RunStatusUpdate,
} from '../core/index.js';
import { apiErrorMessage, apiStatus, isNotFound, runObjectRef } from './kube.js';
import { recordRunEvent } from './run-events.js';

export interface WriteRunStatusInput {
  run: RunIdentity;
  status: RunStatusUpdate;
  /** The workflow run writing: after continue-as-new the CR names the generation that wrote last. */
  runId?: string;
}

export interface RunObject {
  metadata: { uid: string; resourceVersion?: string; generation?: number };
  status?: OrchestrationRunStatus;
}

/**
 * The conditions after a status write: a finished run gets its Succeeded condition (lastTransitionTime
 * moves only when its status does); while it runs there is none.
 */
export function conditionsAfter(update: RunStatusUpdate, previous: Condition[] | undefined, generation?: number): Condition[] {
  const base = suspendedCondition(update, previous);
  if (!isTerminalPhase(update.phase)) return base.filter((c) => c.type !== 'Succeeded');
  return setCondition(
    base,
    {
      type: 'Succeeded',
      status: update.phase === 'Succeeded' ? 'True' : 'False',
      reason: update.reason ?? update.phase,
      ...(update.message ? { message: update.message } : {}),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    },
    update.completionTime ?? update.startTime,
  );
}

/**
 * The Suspended condition, once the run was ever suspended or resumed: True while suspended (reason Suspended,
 * naming who), False once resumed (Resumed) or once the run ended (RunEnded: nothing is held back any more).
 */
export function suspendedCondition(update: RunStatusUpdate, previous: Condition[] | undefined): Condition[] {
  const s = update.suspension;
  if (!s) return [...(previous ?? [])];
  const ended = isTerminalPhase(update.phase);
  const next = s.suspended && !ended
    ? { type: 'Suspended' as const, status: 'True' as const, reason: Reasons.Suspended, message: `suspended by ${s.by}: no new step starts until it is resumed; running ones go on` }
    : { type: 'Suspended' as const, status: 'False' as const, reason: ended ? Reasons.RunEnded : Reasons.Resumed, message: ended ? 'the run ended' : `resumed by ${s.by}` };
  return setCondition(previous, next, s.at);
}

/**
 * A cancel the bridge recorded (Cancelled=Unknown) is complete once the run ends Cancelled: the final
 * write says who cancelled and why in one go. A cancel from Temporal's side has no record; the bridge adds
 * who asked from the workflow history after it closed.
 */
export function completeCancel(
  update: RunStatusUpdate,
  current: OrchestrationRunStatus | undefined,
  conditions: Condition[],
): { conditions: Condition[]; message?: string; reason?: string } {
  if (update.phase !== 'Cancelled') return { conditions };
  // No request recorded on the run: the cancel came from Temporal (UI, CLI); the bridge adds who asked.
  const pending = pendingCancel(current);
  const reason = pending?.reason ?? Reasons.TemporalCancel;
  const message = pending ? cancelledMessage(pending) : 'cancelled from Temporal; the running steps stopped first';
  const at = update.completionTime ?? update.startTime;
  return { conditions: cancelledConditions(conditions, reason, message, at), message, reason };
}

/**
 * The apply configuration of one status write (server-side apply as STATUS_FIELD_MANAGERS.workflow, no
 * resourceVersion: a write of the bridge in between neither conflicts nor is overwritten): every field the workflow owns, each time (a field left out
 * of an apply is removed). Conditions are a map keyed by type, so only the workflow's own entries are named.
 */
export function workflowStatusApply(run: RunIdentity, status: RunStatusUpdate, cancel: { conditions: Condition[]; message?: string }, runId: string | undefined) {
  const terminal = isTerminalPhase(status.phase);
  const own = cancel.conditions.filter((c) => (terminal && (c.type === 'Succeeded' || (status.phase === 'Cancelled' && c.type === 'Cancelled'))) || (c.type === 'Suspended' && status.suspension));
  // The reason goes on the Succeeded condition, the suspension on the Suspended condition and suspendedBy.
  const fields: Partial<RunStatusUpdate> & { suspendedBy?: string } = { ...status };
  delete fields.reason;
  delete fields.suspension;
  if (status.suspension?.suspended && !terminal) fields.suspendedBy = status.suspension.by;
  return {
    apiVersion: API_GROUP_VERSION,
    kind: ORCHESTRATION_RUN_KIND,
    metadata: { name: run.name, namespace: run.namespace },
    status: {
      ...fields,
      ...(cancel.message ? { message: cancel.message } : {}),
      ...(own.length > 0 ? { conditions: own } : {}),
      ...(runId ? { temporal: { runId } } : {}),
    },
  };
}

/**
 * A progress write carries the resourceVersion it read: one that lands late (an earlier attempt that timed
 * out, or one in flight while the bridge forced a cancel) must not reopen a run that ended meanwhile; a 409
 * retries it, and the retry sees the end and skips. Writes before the bridge's one apply at start (which
 * would race them into 409s) and the final write carry none: they cannot reopen anything.
 */
export function withPrecondition<T extends { metadata: object }>(apply: T, status: RunStatusUpdate, current: RunObject, runId?: string): T {
  const beforeBridge = current.status?.temporal === undefined || current.status.phase === undefined || current.status.phase === 'Pending';
  // The first write of a workflow run after continue-as-new: the bridge names the new run on the CR about
  // now (one apply), and a write carrying the version read before it would meet a 409.
  const newRun = runId !== undefined && current.status?.temporal?.runId !== undefined && current.status.temporal.runId !== runId;
  if (beforeBridge || newRun || isTerminalPhase(status.phase) || !current.metadata.resourceVersion) return apply;
  return { ...apply, metadata: { ...apply.metadata, resourceVersion: current.metadata.resourceVersion } };
}

/**
 * The status write with its steps fitted to the room the stored object leaves (spec and managedFields
 * included): a write over etcd's limit would fail the same way on every retry.
 */
export function fitToObject(status: RunStatusUpdate, current: RunObject): RunStatusUpdate & { stepsOmitted?: number } {
  const otherBytes = Buffer.byteLength(JSON.stringify(current)) - Buffer.byteLength(JSON.stringify(current.status?.steps ?? []));
  const { steps, omitted } = fitObjectLimit(status.steps, otherBytes);
  if (steps === status.steps) return status;
  return { ...status, steps, ...(omitted > 0 ? { stepsOmitted: omitted } : {}) };
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
      // A run that already ended is not reopened by a late write (e.g. one in flight when the bridge
      // forced a cancel); only the bridge reopens a run, when its workflow was reset.
      if (isTerminalPhase(current.status?.phase)) {
        Context.current().log.info('run already ended; status write skipped', { run: `${run.namespace}/${run.name}`, phase: current.status?.phase });
        return;
      }
      const cancel = completeCancel(status, current.status, conditionsAfter(status, current.status?.conditions, current.metadata.generation));
      const fitted = fitToObject(status, current);
      if (fitted.stepsOmitted) {
        Context.current().log.warn('status.steps cut to fit the object size limit', { run: `${run.namespace}/${run.name}`, omitted: fitted.stepsOmitted });
      }
      try {
        await api.patchNamespacedCustomObjectStatus(
          { ...runObjectRef(run), body: withPrecondition(workflowStatusApply(run, fitted, cancel, runId && current.status?.temporal ? runId : undefined), status, current, runId), fieldManager: STATUS_FIELD_MANAGERS.workflow, force: true },
          setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
        );
      } catch (err) {
        // The apiserver refused this status for good (400, 403, 422): retrying the same write cannot help.
        const code = apiStatus(err);
        // etcd's refusal comes back as a 500; it would be the same on every retry.
        const tooLarge = code === 413 || /etcdserver: request is too large/i.test(apiErrorMessage(err));
        if (tooLarge || (code !== undefined && code >= 400 && code < 500 && ![408, 409, 429].includes(code))) {
          throw ApplicationFailure.nonRetryable(`status of ${run.namespace}/${run.name} refused (${code}): ${apiErrorMessage(err)}`, 'StatusRejected');
        }
        throw err;
      }
      if (isTerminalPhase(status.phase)) {
        const type = status.phase === 'Succeeded' ? 'Normal' : 'Warning';
        await recordRunEvent(core, run, { type, reason: cancel.reason ?? status.reason ?? status.phase, message: cancel.message ?? status.message ?? status.phase }, 'orchestration-worker');
      }
    },
  };
}
