/**
 * The cancellation half of decide(): spec.cancel, retrigger and source removal become a cancel request
 * recorded on the run (Cancelled=Unknown, cancelledBy); the request is carried to Temporal until the
 * workflow closes (its steps stopped), or forced after the cancel timeout; deletion cancels, waits a
 * bounded time, and always releases the run. Pure, like decide().
 */
import {
  cancelCause,
  describeCancel,
  withNote,
  cancelledConditions,
  cancelFieldManager,
  conditionOf,
  isChildRun,
  isTerminalPhase,
  pendingCancel,
  scheduleCancelRequest,
  wholeSeconds,
  Reasons,
  setCondition,
  type CancelRequest,
  type OrchestrationRun,
  type OrchestrationRunStatus,
  type StepCounts,
  type StepStatus,
} from '../core/index.js';
import { effectiveCancellationPolicy } from '../core/resolve-run.js';
import { WAITING_FOR_PARENT_MS } from './decide-child.js';
import { CANCEL_DEFAULTS, decision, type Action, type Decision, type ReconcileInput, type StatusPatch } from './types.js';

type Status = OrchestrationRunStatus;

/** While Temporal cannot be reached, a run being cancelled or deleted asks again this often. */
export const UNREACHABLE_RETRY_MS = 2000;


/** A workflow that has not closed: running, or paused in Temporal. */
const isOpen = (workflow: ReconcileInput['workflow']) => workflow.found && (workflow.status === 'RUNNING' || workflow.status === 'PAUSED');
const msBetween = (from: string, to: string) => Date.parse(to) - Date.parse(from);

function settingsOf(input: ReconcileInput) {
  const s = input.settings;
  return {
    enabled: s.cancelEnabled ?? CANCEL_DEFAULTS.cancelEnabled,
    timeoutMs: s.cancelTimeoutMs ?? CANCEL_DEFAULTS.cancelTimeoutMs,
    cleanupMs: s.cleanupTimeoutMs ?? CANCEL_DEFAULTS.cleanupTimeoutMs,
  };
}

/** A run the bridge marked Cancelled itself after the cancel timeout. */
export function wasForced(status: Status | undefined): boolean {
  const condition = conditionOf(status?.conditions, 'Cancelled');
  return condition?.status === 'True' && condition.reason === Reasons.CancelTimeout;
}

/** The status patch that records a cancel request on a run. */
export function requestStatus(status: Status | undefined, request: CancelRequest, message: string, now: string): StatusPatch {
  return {
    cancelledBy: request.cancelledBy,
    ...(request.note ? { cancelReason: request.note } : {}),
    conditions: setCondition(status?.conditions, { type: 'Cancelled', status: 'Unknown', reason: request.reason, message }, now),
  };
}

/**
 * A cancel the run asks for by itself: spec.cancel, its schedule's overlap policy (the annotation its
 * schedule set), or its Orchestration deleted under onSourceRemoved: Cancel.
 */
function newRequest(input: ReconcileInput): CancelRequest | undefined {
  const { run } = input;
  if (run.spec.cancel) return withNote({ reason: Reasons.SpecCancel, cancelledBy: `spec:${cancelFieldManager((run.metadata as { managedFields?: unknown }).managedFields)}` }, run.metadata);
  const bySchedule = scheduleCancelRequest(run.metadata);
  if (bySchedule) return bySchedule;
  const ref = run.spec.orchestrationRef?.name;
  const started = run.status?.temporal !== undefined;
  const policy = run.status?.cancellationPolicy ?? run.spec.cancellationPolicy;
  if (ref && started && !input.orchestrationExists && policy?.onSourceRemoved === 'Cancel') return { reason: Reasons.SourceRemoved, cancelledBy: `source-removed:${ref}` };
  return undefined;
}

/** Running and unstarted steps as Cancelled, with the counts to match. */
export function cancelledSteps(status: Status, message: string): Pick<StatusPatch, 'steps' | 'stepCounts' | 'progress'> {
  if (!status.steps) return {};
  const steps: StepStatus[] = status.steps.map((s) => (s.phase === 'Running' || s.phase === 'Pending' ? { ...s, phase: 'Cancelled', message } : s));
  const counts = status.stepCounts;
  const stepCounts: StepCounts | undefined = counts && { ...counts, cancelled: counts.cancelled + counts.running + counts.pending, running: 0, pending: 0 };
  return { steps, ...(stepCounts ? { stepCounts, progress: `${stepCounts.total}/${stepCounts.total}` } : {}) };
}

/** The patch that ends a run Cancelled, written by the bridge itself. */
function cancelledStatus(status: Status, reason: string, cancelledBy: string, message: string, now: string): StatusPatch {
  const conditions = cancelledConditions(status.conditions, reason, message, now);
  return { phase: 'Cancelled', completionTime: wholeSeconds(now), message, cancelledBy, conditions, ...cancelledSteps(status, message) };
}

/** Cancel actions for a run that is not being deleted; undefined when cancellation has nothing to do. */
export function cancelActions(input: ReconcileInput): Decision | undefined {
  const { run, workflow, now } = input;
  const status = run.status ?? {};
  const settings = settingsOf(input);
  const pending = pendingCancel(status);
  const condition = conditionOf(status.conditions, 'Cancelled');

  if (isTerminalPhase(status.phase)) {
    if (status.phase === 'Cancelled') return undefined;
    // Said once; and a cancel ignored while disabled stays said so.
    const noted = condition?.status === 'False' && (condition.reason === Reasons.AlreadyTerminal || condition.reason === Reasons.CancelDisabled);
    if (!pending && !(run.spec.cancel && !noted)) return undefined;
    const message = pending
      ? `the run ended ${status.phase} before the cancel (${describeCancel(pending)}) took effect`
      : `the run had already ended ${status.phase}; spec.cancel changes nothing`;
    return decision([{ type: 'patchStatus', status: { conditions: setCondition(status.conditions, { type: 'Cancelled', status: 'False', reason: Reasons.AlreadyTerminal, message }, now) } }]);
  }

  if (!pending) {
    const request = newRequest(input);
    if (!request) return undefined;
    if (!settings.enabled) {
      if (request.reason !== Reasons.SpecCancel || condition?.reason === Reasons.CancelDisabled) return undefined;
      const message = 'spec.cancel is ignored: cancellation is disabled (JANGAR_ORCHESTRATION_CANCEL_ENABLED=false)';
      return decision([{ type: 'patchStatus', status: { conditions: setCondition(status.conditions, { type: 'Cancelled', status: 'False', reason: Reasons.CancelDisabled, message }, now) } }]);
    }
    const message = `cancel requested by ${request.cancelledBy}${request.note ? `: ${request.note}` : ''}; running steps are stopping`;
    // At once: the recorded request is then carried to Temporal.
    return decision(
      [
        { type: 'patchStatus', status: requestStatus(status, request, message, now) },
        { type: 'event', eventType: 'Normal', reason: 'CancelRequested', message },
      ],
      0,
    );
  }

  const left = Date.parse(pending.requestedAt) + settings.timeoutMs - Date.parse(now);
  if (!workflow.found && !workflow.error) {
    // A child run whose parent runs may have its workflow started by it any moment: it is cancelled once
    // found (its parent's step then fails, saying so), or ends here once its parent ended. Not at the cancel
    // timeout: a child marked Cancelled that its parent started later would run with nobody to stop it.
    if (isChildRun(run) && !status.temporal && input.parent?.found && !isTerminalPhase(input.parent.phase)) return decision([], WAITING_FOR_PARENT_MS);
    // Nothing runs: the run ends Cancelled at once.
    const message = `cancelled (${describeCancel(pending)}) ${status.temporal ? 'after its workflow disappeared from Temporal' : 'before its workflow started'}`;
    return decision([
      { type: 'patchStatus', status: cancelledStatus(status, pending.reason, pending.cancelledBy, message, now) },
      { type: 'event', eventType: 'Warning', reason: pending.reason, message },
      { type: 'cancelEnded', seconds: msBetween(pending.requestedAt, now) / 1000, forced: false },
    ]);
  }
  if (workflow.found && !isOpen(workflow)) return undefined; // closed: the history says who cancelled
  if (left > 0) {
    // Temporal unreachable: look again soon; the timeout still holds.
    if (!workflow.found) return decision([], Math.min(left, UNREACHABLE_RETRY_MS));
    return decision([{ type: 'cancelWorkflow', cause: cancelCause(pending) }], left);
  }
  const why = workflow.found ? '' : ` (Temporal could not be reached: ${workflow.error})`;
  const message = `cancel forced: the workflow had not closed ${settings.timeoutMs} ms after the cancel request (${describeCancel(pending)})${why}; it was terminated and the run's Jobs deleted`;
  // The status first: once it says Cancelled/CancelTimeout, a terminated workflow cannot turn it into Failed.
  return decision([
    { type: 'patchStatus', status: cancelledStatus(status, Reasons.CancelTimeout, pending.cancelledBy, message, now) },
    { type: 'event', eventType: 'Warning', reason: Reasons.CancelTimeout, message },
    { type: 'cancelEnded', seconds: msBetween(pending.requestedAt, now) / 1000, forced: true },
    { type: 'terminateWorkflow', reason: message, bestEffort: true },
    { type: 'deleteJobs', bestEffort: true },
  ]);
}

/** A run forced Cancelled whose workflow still runs (Temporal was unreachable then): stop it again. */
export function afterForcedCancel(input: ReconcileInput): Decision | undefined {
  if (!wasForced(input.run.status) || !isOpen(input.workflow)) return undefined;
  return decision([
    { type: 'terminateWorkflow', reason: 'the run was cancelled by force (CancelTimeout)', bestEffort: true },
    { type: 'deleteJobs', bestEffort: true },
  ]);
}

/**
 * The last moment to decide a deleted run's release: the cleanup timeout after its deletionTimestamp, less
 * a margin for the final writes, so the finalizer goes within the timeout (the timestamp has whole seconds,
 * rounded down, so the deletion itself happened at or after it).
 */
export const RELEASE_MARGIN_MS = 1000;
export function releaseDeadline(run: { metadata: Pick<OrchestrationRun['metadata'], 'deletionTimestamp'> }, settings: ReconcileInput['settings']): number | undefined {
  if (!run.metadata.deletionTimestamp) return undefined;
  const cleanupMs = settings.cleanupTimeoutMs ?? CANCEL_DEFAULTS.cleanupTimeoutMs;
  return Date.parse(run.metadata.deletionTimestamp) + Math.max(0, cleanupMs - RELEASE_MARGIN_MS);
}

/**
 * Deletion (seed 002): cancel the workflow, wait for it to close until the release deadline, then
 * terminate it and delete the Jobs; release the run in every case, also when Temporal cannot be reached
 * (the orphan sweep cancels such a workflow once Temporal is back).
 */
export function deletionActions(input: ReconcileInput, finalizer: string): Decision {
  const { run, workflow, now } = input;
  if (!run.metadata.finalizers?.includes(finalizer)) return decision([]);
  const { cleanupMs } = settingsOf(input);
  const left = releaseDeadline(run, input.settings)! - Date.parse(now);
  if (!workflow.found) {
    if (!workflow.error) return decision([{ type: 'removeFinalizer' }]);
    // The last look lands on the deadline itself.
    if (left > 0) return decision([], Math.min(left, UNREACHABLE_RETRY_MS));
    const message = `could not reach Temporal within ${cleanupMs} ms of the deletion (${workflow.error}); released the run anyway: its workflow is cancelled once Temporal is back, its Jobs go with the run`;
    return decision([{ type: 'event', eventType: 'Warning', reason: 'CleanupFailed', message }, { type: 'removeFinalizer' }]);
  }
  if (!isOpen(workflow)) return decision([{ type: 'removeFinalizer' }]);
  const request: CancelRequest = { reason: Reasons.Deletion, cancelledBy: 'deletion' };
  if (left > 0 && !pendingCancel(run.status)) {
    // Recorded first, so the workflow's last status write and the Events say why the run was cancelled.
    const message = `the run was deleted; cancel requested, waiting up to ${cleanupMs} ms for its steps to stop`;
    return decision(
      [
        { type: 'patchStatus', status: requestStatus(run.status, request, message, now) },
        { type: 'event', eventType: 'Normal', reason: 'CancelRequested', message },
      ],
      0,
    );
  }
  if (left > 0) return decision([{ type: 'cancelWorkflow', cause: cancelCause(pendingCancel(run.status) ?? request) }], left);
  const message = `the workflow had not closed ${cleanupMs} ms after the run was deleted; terminated it and deleted the run's Jobs`;
  return decision([
    { type: 'terminateWorkflow', reason: message, bestEffort: true },
    { type: 'deleteJobs', bestEffort: true },
    { type: 'event', eventType: 'Warning', reason: 'CleanupTimeout', message },
    { type: 'removeFinalizer' },
  ]);
}

/**
 * Whether sibling `a` is older than the run `b` about to start. Creation times have whole seconds: within
 * one second, a sibling already started is the older; otherwise the name decides, so exactly one survives.
 */
function isOlder(a: OrchestrationRun, b: OrchestrationRun): boolean {
  const at = a.metadata.creationTimestamp ?? '';
  const bt = b.metadata.creationTimestamp ?? '';
  if (at !== bt) return at < bt;
  return a.status?.temporal !== undefined || a.metadata.name < b.metadata.name;
}

/** onRetrigger: Cancel — a run about to start records a cancel on the older active runs with its triggerKey. */
export function retriggerActions(input: ReconcileInput): Action[] {
  const { run, now } = input;
  if (!run.spec.triggerKey || !run.spec.orchestrationRef || !settingsOf(input).enabled) return [];
  if (effectiveCancellationPolicy(run, input.orchestration).onRetrigger !== 'Cancel') return [];
  const request: CancelRequest = { reason: Reasons.Retrigger, cancelledBy: `retrigger:${run.metadata.name}` };
  const message = `run ${run.metadata.name} with triggerKey ${run.spec.triggerKey} replaces this run; cancel requested by ${request.cancelledBy}`;
  return (input.siblings ?? [])
    .filter((s) => isOlder(s, run) && !s.metadata.deletionTimestamp && !isTerminalPhase(s.status?.phase) && !pendingCancel(s.status))
    .map((target) => ({ type: 'markCancel', target, status: requestStatus(target.status, request, message, now), message }) as const);
}
