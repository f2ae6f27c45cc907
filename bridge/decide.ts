/**
 * decide: the pure heart of reconcile. Given the run, its Orchestration and its workflow as they are now,
 * returns what to do. Level-based: the same input gives the same actions, however often it is called.
 */
import { boundText, isChildRun, Reasons, RUN_DEADLINE_EXCEEDED, RUN_FAILED, RUN_FINALLY_FAILED, RUNTIME_CLEANUP_FINALIZER, INVALID_SPEC, STATUS_MESSAGE_MAX_BYTES, type RunPhase } from '../core/index.js';
import { cancelledConditions, cancelledMessage, conditionOf, recordedCancel, isTerminalPhase, wholeSeconds, deleteAtOf, retentionOf, setCondition, type CancelRequest } from '../core/index.js';
import { specControls } from '../core/spec-controls.js';
import { afterForcedCancel, cancelActions, cancelledSteps, deletionActions, retriggerActions, wasForced } from './decide-cancel.js';
import { invalidRunActions } from './decide-invalid.js';
import { childBeforeStart } from './decide-child.js';
import { effectiveCancellationPolicy, resolveRun, type Resolution } from '../core/resolve-run.js';
import { leaveQueue, queued, startingStatus } from './decide-queue.js';
import { isStarting } from './queue-plan.js';
import { decision, type Action, type BridgeStatusApply, type Decision, type ReconcileInput, type StatusPatch, type WorkflowView } from './types.js';

/**
 * How often a running run is looked at again. Workflows closed from outside (terminate, timeout) are
 * noticed at once through a visibility query (closed-workflows.ts); this is the safety net under it.
 */
export const RUNNING_RESYNC_MS = 15_000;


function uiUrl(input: ReconcileInput, runId?: string): string | undefined {
  const base = input.settings.uiBaseUrl.replace(/\/$/, '');
  if (!base) return undefined;
  const id = encodeURIComponent(input.workflowId);
  return `${base}/namespaces/${encodeURIComponent(input.settings.temporalNamespace)}/workflows/${id}${runId ? `/${runId}` : ''}`;
}

/** The terminal status a closed workflow stands for; undefined while it runs. */
export function closedStatus(
  view: WorkflowView,
  now: string,
  recorded?: CancelRequest,
): { phase: RunPhase; reason: string; message: string; at: string; cancelledBy?: string } | undefined {
  if (!view.found) return undefined;
  const at = view.closeTime ?? now;
  // A failure or terminate reason comes from outside (Temporal, a user): bounded like every message written.
  const said = view.message === undefined ? undefined : boundText(view.message, STATUS_MESSAGE_MAX_BYTES - 64);
  switch (view.status) {
    case 'COMPLETED':
      return { phase: view.resultPhase ?? 'Succeeded', reason: view.resultPhase ?? 'Succeeded', message: said ?? 'workflow completed', at };
    case 'FAILED':
      if (view.failureType === INVALID_SPEC) return { phase: 'Failed', reason: Reasons.InvalidSpec, message: said ?? 'invalid spec', at };
      if (view.failureType === RUN_DEADLINE_EXCEEDED) return { phase: 'Failed', reason: Reasons.DeadlineExceeded, message: said ?? 'the run passed its deadline', at };
      if (view.failureType === RUN_FINALLY_FAILED) return { phase: 'Failed', reason: Reasons.FinallyFailed, message: said ?? 'a finally step failed', at };
      return { phase: 'Failed', reason: view.failureType === RUN_FAILED ? 'Failed' : 'WorkflowFailed', message: said ?? 'workflow failed', at };
    case 'CANCELLED': {
      // The history says who asked; once the run records it, the history is no longer read.
      const by = view.cancelRequest ?? recorded ?? { reason: Reasons.TemporalCancel, cancelledBy: 'temporal:unknown' };
      return { phase: 'Cancelled', reason: by.reason, message: cancelledMessage(by), at, cancelledBy: by.cancelledBy };
    }
    case 'TERMINATED':
      return { phase: 'Failed', reason: Reasons.WorkflowTerminated, message: `workflow terminated${said ? `: ${said}` : ''}`, at };
    case 'TIMED_OUT':
      return { phase: 'Failed', reason: Reasons.WorkflowTimedOut, message: 'workflow timed out', at };
    case 'RUNNING':
    case 'CONTINUED_AS_NEW': // describe names the latest run of the chain; this one is not it
    case 'PAUSED':
    case 'UNSPECIFIED':
    case 'UNKNOWN':
      return undefined;
  }
}

/**
 * A finished run: status.retention shows when it will be deleted, and once that time has come it is
 * deleted. Without a retention in force it is kept (and a stale status.retention removed).
 */
function afterFinish(input: ReconcileInput): Decision {
  const { run, now } = input;
  const status = run.status ?? {};
  if (!isTerminalPhase(status.phase) || !status.completionTime) return decision([]);
  const retention = retentionOf(run, input.orchestration, status.phase, input.settings.runRetentionSeconds);
  if (!retention) return decision(status.retention ? [{ type: 'patchStatus', status: { retention: null } }] : []);
  const deleteAt = deleteAtOf(status.completionTime, retention.ttlSeconds);
  const wanted = { deleteAt, ...retention };
  const shown = status.retention;
  const patch: Action[] =
    shown?.deleteAt === wanted.deleteAt && shown.ttlSeconds === wanted.ttlSeconds && shown.source === wanted.source ? [] : [{ type: 'patchStatus', status: { retention: wanted } }];
  const leftMs = Date.parse(deleteAt) - Date.parse(now);
  if (leftMs <= 0) {
    const message = `deleting the run: it finished at ${status.completionTime} and ${retention.source}=${retention.ttlSeconds}s ran out at ${deleteAt}; its workflow history stays in Temporal`;
    return decision([{ type: 'event', eventType: 'Normal', reason: 'RetentionExpired', message }, { type: 'deleteRun', reason: message }]);
  }
  return decision(patch, leftMs);
}

function beforeStart(input: ReconcileInput): Decision {
  const { run, now } = input;
  const status = run.status ?? {};
  const generation = run.metadata.generation;
  // Its parent starts a child run's workflow (a Temporal child workflow) from the snapshot the parent's step
  // resolved; the bridge only waits for it, whatever became of the Orchestration since (or of the parent).
  if (isChildRun(run)) return childBeforeStart(input);
  // A queued resumed run: the run it resumes is read from Temporal only once it may start.
  if (run.spec.resumeFrom && !input.resume && input.admission?.admitted === false && !isStarting(run)) return queued(input, input.admission, []);
  // A referenced Orchestration the schema rejects makes the run invalid, naming the template's problems.
  const ref = run.spec.orchestrationRef?.name;
  const resolution: Resolution =
    ref && input.orchestrationProblems
      ? { kind: 'invalid', problems: input.orchestrationProblems.map((p) => `Orchestration ${ref}: ${p}`) }
      : resolveRun(run, input.orchestration, input.resume);
  if (resolution.kind === 'orchestrationNotFound') {
    const message = `Orchestration ${run.metadata.namespace}/${resolution.name} not found; the run starts once it exists`;
    if (status.phase === 'Pending' && conditionOf(status.conditions, 'Ready')?.reason === Reasons.OrchestrationNotFound) return decision([]);
    return decision([
      {
        type: 'patchStatus',
        status: {
          phase: 'Pending',
          message,
          observedGeneration: generation,
          conditions: setCondition(status.conditions, { type: 'Ready', status: 'False', reason: Reasons.OrchestrationNotFound, message, observedGeneration: generation }, now),
        },
      },
      { type: 'event', eventType: 'Warning', reason: Reasons.OrchestrationNotFound, message },
    ]);
  }
  if (resolution.kind === 'invalid') return decision(invalidRunActions(status.conditions, resolution.problems, generation, now));
  if (input.nestingProblem) return decision(invalidRunActions(status.conditions, [input.nestingProblem], generation, now));
  // onRetrigger: Cancel — older runs with this triggerKey are asked to cancel before this one starts (or queues).
  const actions: Action[] = retriggerActions(input);
  const admission = isStarting(run) ? undefined : input.admission;
  if (admission && !admission.admitted) return queued(input, admission, actions);
  const starting = startingStatus(input, admission);
  if (starting) actions.push({ type: 'patchStatus', status: starting });
  else if (status.phase === 'Pending' && status.message) {
    // The message from waiting (OrchestrationNotFound) no longer holds; cleared before the workflow writes.
    actions.push({ type: 'patchStatus', status: { message: null } });
  }
  if (!run.metadata.finalizers?.includes(RUNTIME_CLEANUP_FINALIZER)) actions.push({ type: 'addFinalizer' });
  actions.push({ type: 'startWorkflow', snapshot: resolution.snapshot });
  const resumed = resolution.snapshot.resume;
  if (resumed) {
    const reused = Object.keys(resumed.reused);
    const shown = reused.length > 10 ? `${reused.slice(0, 10).join(', ')}, …` : reused.join(', ');
    const message = `resumes run ${resumed.from.name}: ${reused.length} of ${resolution.snapshot.steps.length} steps reused (${shown}), the rest run`;
    actions.push({ type: 'event', eventType: 'Normal', reason: 'Resumed', message });
    actions.push({
      type: 'event',
      eventType: 'Normal',
      reason: 'ResumedBy',
      message: `run ${run.metadata.name} resumes this run, reusing ${reused.length} of its steps`,
      target: { namespace: run.metadata.namespace, name: resumed.from.name, uid: resumed.from.uid },
      bestEffort: true,
    });
  }
  // At once: the started workflow's reference goes on the run.
  return decision(actions, 0);
}

function runningStatus(input: ReconcileInput, runId: string): StatusPatch {
  const { run, now, settings } = input;
  const generation = run.metadata.generation;
  const url = uiUrl(input, runId);
  return {
    phase: run.status?.phase && run.status.phase !== 'Pending' ? run.status.phase : 'Running',
    ...(run.status?.phase === 'Pending' ? { message: null } : {}), // a message from waiting no longer holds
    startTime: run.status?.startTime ?? wholeSeconds(now),
    observedGeneration: generation,
    temporal: { namespace: settings.temporalNamespace, workflowId: input.workflowId, runId, taskQueue: settings.taskQueue, ...(url ? { uiUrl: url } : {}) },
    // The policy in force is fixed at start: a deleted Orchestration cannot take its onSourceRemoved along.
    ...(run.status?.cancellationPolicy ? {} : { cancellationPolicy: effectiveCancellationPolicy(run, input.orchestration) }),
    conditions: setCondition(run.status?.conditions, { type: 'Ready', status: 'True', reason: 'WorkflowStarted', message: `workflow ${input.workflowId} started`, observedGeneration: generation }, now),
  };
}

/** The bridge's own fields once the workflow runs: applied without a resourceVersion, beside the workflow's writes. */
function startedApply(input: ReconcileInput, runId: string): BridgeStatusApply {
  const status = runningStatus(input, runId);
  return {
    temporal: status.temporal!,
    ...(status.observedGeneration !== undefined && status.observedGeneration !== null ? { observedGeneration: status.observedGeneration } : {}),
    cancellationPolicy: input.run.status?.cancellationPolicy ?? effectiveCancellationPolicy(input.run, input.orchestration),
    conditions: status.conditions!.filter((c) => c.type === 'Ready'),
  };
}

export function decide(input: ReconcileInput): Decision {
  const decided = decideRun(input);
  return input.run.status?.queue ? leaveQueue(decided) : decided;
}

function decideRun(input: ReconcileInput): Decision {
  const { run, workflow, now } = input;
  const status = run.status ?? {};
  if (run.metadata.deletionTimestamp) return deletionActions(input, RUNTIME_CLEANUP_FINALIZER);
  const cancel = cancelActions(input);
  if (cancel) return cancel;
  if (wasForced(status)) return afterForcedCancel(input) ?? afterFinish(input);
  if (!workflow.found) {
    if (status.temporal) {
      if (isTerminalPhase(status.phase)) return afterFinish(input);
      const message = `workflow ${input.workflowId} not found in Temporal namespace ${input.settings.temporalNamespace}`;
      return decision([{ type: 'patchStatus', status: { phase: 'Failed', message, completionTime: now, conditions: setCondition(status.conditions, { type: 'Succeeded', status: 'False', reason: 'WorkflowNotFound', message }, now) } }]);
    }
    if (isTerminalPhase(status.phase)) return afterFinish(input);
    return beforeStart(input);
  }

  // The workflow runs (or ran): status.temporal must name its current run.
  const needsRef = !status.temporal || (status.temporal.runId !== workflow.runId && !isTerminalPhase(status.phase));
  const started = needsRef ? runningStatus(input, workflow.runId) : undefined;
  const startedEvent: Action[] = status.temporal ? [] : [{ type: 'event', eventType: 'Normal', reason: 'Started', message: `workflow ${input.workflowId} started` }];
  const closed = closedStatus(workflow, now, recordedCancel(status));
  if (!closed && isTerminalPhase(status.phase) && status.temporal && status.temporal.runId !== workflow.runId) {
    // The closed workflow was reset in Temporal: a new run of it is running, so the run is running again.
    const message = `workflow ${input.workflowId} was reset; run ${workflow.runId} is running`;
    return decision(
      [
      {
        type: 'patchStatus',
        status: {
          ...runningStatus(input, workflow.runId),
          phase: 'Running',
          message,
          completionTime: null, // merge patch: removes it
          retention: null,
          conditions: setCondition(runningStatus(input, workflow.runId).conditions, { type: 'Succeeded', status: 'Unknown', reason: 'WorkflowReset', message }, now),
        },
      },
      { type: 'event', eventType: 'Normal', reason: 'WorkflowReset', message },
      ],
      RUNNING_RESYNC_MS,
    );
  }
  // While the workflow runs it writes phase, times and steps; the bridge adds only what it owns.
  if (!closed) {
    // spec.suspend and spec.approvals go to the workflow once per generation: before observedGeneration says
    // the bridge saw it (a failed signal leaves it unsaid, and the next pass sends it again).
    const unseen = started !== undefined || status.observedGeneration !== run.metadata.generation;
    const controls = specControls(run, status);
    const signal: Action[] = controls && unseen ? [{ type: 'signalControls', controls }] : [];
    const apply: Action[] = unseen ? [{ type: 'applyStatus', status: startedApply(input, workflow.runId) }] : [];
    // A child run's "waiting for parent …" no longer holds once its parent started its workflow.
    const waited = started !== undefined && status.message !== undefined && conditionOf(status.conditions, 'Ready')?.reason === Reasons.WaitingForParent;
    const clear: Action[] = waited ? [{ type: 'patchStatus', status: { message: null } }] : [];
    return decision([...signal, ...clear, ...apply, ...startedEvent], RUNNING_RESYNC_MS);
  }

  const succeeded = conditionOf(status.conditions, 'Succeeded');
  const recorded = status.phase === closed.phase && status.completionTime !== undefined && succeeded?.reason === closed.reason;
  if (recorded && closed.cancelledBy && status.cancelledBy !== closed.cancelledBy) {
    // The workflow wrote the end of a cancel from Temporal; who asked is only in the history.
    const conditions = setCondition(status.conditions, { type: 'Cancelled', status: 'True', reason: closed.reason, message: closed.message }, now);
    return decision([{ type: 'patchStatus', status: { cancelledBy: closed.cancelledBy, message: closed.message, conditions } }]);
  }
  if (recorded) {
    if (started) return decision([{ type: 'patchStatus', status: started }, ...startedEvent]);
    // A finished run names the workflow run that finished it (after continue-as-new, a later one).
    if (status.temporal && status.temporal.runId !== workflow.runId) {
      const url = uiUrl(input, workflow.runId);
      return decision([{ type: 'patchStatus', status: { temporal: { ...status.temporal, runId: workflow.runId, ...(url ? { uiUrl: url } : {}) } } }]);
    }
    return afterFinish(input);
  }
  const opened = started?.conditions ?? status.conditions;
  // A workflow closed from outside (terminate, timeout) could not write that nothing is held back any more.
  const base = conditionOf(opened, 'Suspended')?.status === 'True' ? setCondition(opened, { type: 'Suspended', status: 'False', reason: Reasons.RunEnded, message: 'the run ended' }, now) : opened;
  const conditions =
    closed.phase === 'Cancelled'
      ? cancelledConditions(base, closed.reason, closed.message, now)
      : setCondition(base, { type: 'Succeeded', status: closed.phase === 'Succeeded' ? 'True' : 'False', reason: closed.reason, message: closed.message }, now);
  const completionTime = status.completionTime ?? wholeSeconds(closed.at);
  return decision([
    {
      type: 'patchStatus',
      status: {
        ...started,
        phase: closed.phase,
        message: closed.message,
        completionTime,
        conditions,
        // A workflow whose last status write was lost: its steps did stop, so none may still say Running.
        ...(closed.phase === 'Cancelled' ? { ...cancelledSteps(status, 'cancelled'), cancelledBy: closed.cancelledBy } : {}),
        ...(status.suspendedBy ? { suspendedBy: null } : {}),
      },
    },
    ...startedEvent,
    { type: 'event', eventType: closed.phase === 'Succeeded' ? 'Normal' : 'Warning', reason: closed.phase === 'Succeeded' ? 'Succeeded' : closed.reason, message: closed.message },
    // Terminate and timeout run no workflow code: the run's Jobs are deleted here.
    ...(closed.reason === Reasons.WorkflowTerminated || closed.reason === Reasons.WorkflowTimedOut ? [{ type: 'deleteJobs' } as const] : []),
  ]);
}
