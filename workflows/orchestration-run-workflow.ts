/**
 * orchestrationRunWorkflow: runs one OrchestrationRun's DAG. The pure core decides what may start; this
 * file starts steps as activities, applies how they end, reports status, and continues as new before the
 * history grows past Temporal's limits.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import {
  CancellationScope,
  condition,
  continueAsNew,
  patched,
  sleep,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  allStepCounts,
  boundedOutputs,
  applyStepEvent,
  referencedOutputs,
  reuseSteps,
  buildStatusUpdate,
  deriveRunPhase,
  describeProblems,
  initialState,
  INVALID_SPEC,
  isFinished,
  Reasons,
  RUN_DEADLINE_EXCEEDED,
  RUN_FAILED,
  RUN_FINALLY_FAILED,
  stepsToStart,
  validateFinally,
  validateSteps,
  type Dag,
  type FinallyPart,
  type DagState,
  type OrchestrationRunInput,
  type RunPhase,
  type StepEvent,
} from '../core/workflow-safe.js';
import { getRunState, searchAttributeKeys } from './definitions.js';
import { runDetails } from './details.js';
import { StatusReporter } from './status-reporter.js';
import { runFinallySteps } from './finally-steps.js';
import { ChildRuns } from './child-runs.js';
import { initialControls, registerControls } from './run-controls.js';
import { BOUNDED_INFLIGHT_STEPS, FINALLY_STEPS, RESUME_FROM, RUN_DEADLINE, STEPS_STOP_BEFORE_CANCELLED } from './patches.js';
import { runStep } from './step-runner.js';

/** Continue as new well before the 51,200-event limit, also when the server does not suggest it. */
const MAX_EVENTS_PER_GENERATION = 10_000;

export interface OrchestrationRunResult {
  phase: RunPhase;
  stepCounts: ReturnType<typeof allStepCounts>;
  statusWrites: number;
  generations: number;
  /** Outputs of the steps by name (what a parent's orchestration step gives its later steps); those carried across continue-as-new only. */
  outputs?: Record<string, string>;
}

/**
 * Steps running at once, at most: half of the 2,000 pending activities Temporal allows a workflow by
 * default, leaving room for status writes and for a job step's own activities.
 */
export const MAX_INFLIGHT_STEPS = 1000;

/** Beyond the grace period, time a cancelled step's worker gets to report that it stopped. */
const STOP_REPORT_SLACK_SECONDS = 15;

/** Status writes put the whole status into the history, so bytes count as much as events. */
const MAX_HISTORY_BYTES_PER_GENERATION = 8 * 1024 * 1024;

function timeToContinue(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > MAX_EVENTS_PER_GENERATION || info.historySize > MAX_HISTORY_BYTES_PER_GENERATION;
}

/**
 * The state carried to the next generation keeps only the outputs later steps reference: the others are
 * in this generation's history, and carrying them all could pass Temporal's 2 MB payload limit.
 */
function carriedState(dag: Dag, state: DagState, referenced: ReadonlySet<string>): DagState {
  return { ...state, steps: state.steps.map((s, i) => (s.output !== undefined && !referenced.has(dag.names[i]!) ? { ...s, output: undefined } : s)) };
}

function outputsOf(dag: Dag, state: DagState): Record<string, string | undefined> {
  const outputs: Record<string, string | undefined> = {};
  state.steps.forEach((s, i) => {
    if (s.output !== undefined) outputs[dag.names[i]!] = s.output;
  });
  return outputs;
}

export async function orchestrationRunWorkflow(input: OrchestrationRunInput): Promise<OrchestrationRunResult> {
  const { snapshot, continuation } = input;
  const validated = validateSteps(snapshot.steps, snapshot.parameters);
  if (!validated.ok) {
    throw ApplicationFailure.nonRetryable(`invalid spec: ${describeProblems(validated.problems)}`, INVALID_SPEC);
  }
  const { dag } = validated;
  const { policy } = snapshot;
  const state = continuation?.state ?? initialState(dag);
  // A resumed run starts with the steps it reuses Succeeded (and their outputs), the rest as usual.
  if (!continuation && snapshot.resume && Object.keys(snapshot.resume.reused).length > 0 && patched(RESUME_FROM)) reuseSteps(dag, state, snapshot.resume.reused);
  // Finally steps wait in the status, marked, until the DAG ended; they never run before, so none is carried.
  let fin: FinallyPart | undefined;
  const finallySteps = snapshot.finally ?? [];
  if (finallySteps.length > 0 && patched(FINALLY_STEPS)) {
    const checked = validateFinally(finallySteps, dag.names, snapshot.parameters);
    if (!checked.ok) throw ApplicationFailure.nonRetryable(`invalid spec: ${describeProblems(checked.problems)}`, INVALID_SPEC);
    fin = { dag: checked.dag, state: initialState(checked.dag) };
  }
  const startTime = continuation?.startTime ?? new Date().toISOString();
  const generation = continuation?.generation ?? 1;
  let completionTime: string | undefined = undefined; // set once the run ends; the status builder reads it
  let message: string | undefined;
  let reason: string | undefined;
  // Set once the DAG ended (finally steps may still run), and once the whole run did.
  let dagEnded = false;
  let finallyEnded = false;
  let deadlineHit = false;
  let runEnded = false;
  // Set by a suspend, a resume or a decision: wakes the loop to start (or hold back) steps.
  let wake = false;
  const controls = continuation?.controls ?? initialControls();
  const approvalSteps = new Set([...snapshot.steps, ...finallySteps].filter((s) => s.approval).map((s) => s.name));

  if (!continuation) {
    upsertSearchAttributes([
      { key: searchAttributeKeys.OrchestrationRunNamespace, value: snapshot.run.namespace },
      { key: searchAttributeKeys.OrchestrationRunName, value: snapshot.run.name },
      { key: searchAttributeKeys.OrchestrationRunUid, value: snapshot.run.uid },
      ...(snapshot.run.orchestrationName ? [{ key: searchAttributeKeys.OrchestrationName, value: snapshot.run.orchestrationName }] : []),
    ]);
  }

  // The run's own scope, read from wherever the check runs (a step's report runs in the steps' scope).
  const rootScope = CancellationScope.current();
  const cancelled = () => rootScope.consideredCancelled;
  // The cancel of the run or its deadline: either stops the DAG, and the cancel wins.
  const stopping = () => cancelled() || deadlineHit;
  /** How the DAG ended: a deadline fails it; a cancel shows in its steps. */
  const dagPhase = (): RunPhase => (deadlineHit && !cancelled() ? 'Failed' : deriveRunPhase(dag, state));
  /** How the run ended, its finally steps included: a cancel at any time before its end makes it Cancelled. */
  const endPhase = (): RunPhase => {
    if (!fin) return dagPhase();
    if (cancelled()) return 'Cancelled';
    const ran = dagPhase();
    return ran === 'Succeeded' && deriveRunPhase(fin.dag, fin.state) !== 'Succeeded' ? 'Failed' : ran;
  };
  // While the workflow runs, so does the run: it is never shown Pending once its workflow started.
  const phase = (): RunPhase => (isFinished(state) && (!fin || finallyEnded) ? endPhase() : 'Running');
  // The UI's current details are rebuilt with each status write, not with each event: O(steps) per write.
  const reporter = new StatusReporter(
    snapshot.run,
    () => {
      setCurrentDetails(runDetails(dag, state, phase(), fin, controls.suspendedBy));
      const suspension = controls.changedAt ? { suspended: controls.suspended, by: (controls.suspended ? controls.suspendedBy : controls.resumedBy) ?? 'unknown', at: controls.changedAt } : undefined;
      const resumedFrom = snapshot.resume?.from;
      return buildStatusUpdate(dag, state, { phase: phase(), startTime, completionTime, message, reason, suspension, resumedFrom }, fin);
    },
    snapshot.statusIntervalMs ?? 1000,
    snapshot.writeStatus,
    continuation?.statusWrites ?? 0,
  );
  setHandler(getRunState, () => {
    const steps = [
      ...state.steps.map((record, i) => ({ name: dag.names[i]!, ...record })),
      ...(fin?.state.steps.map((record, i) => ({ name: fin.dag.names[i]!, finally: true, ...record })) ?? []),
    ];
    return {
      phase: phase(),
      generation,
      statusWrites: reporter.writes,
      halted: state.halted,
      suspended: controls.suspended,
      ...(controls.suspendedBy ? { suspendedBy: controls.suspendedBy } : {}),
      waitingForApproval: steps.filter((s) => s.reason === Reasons.WaitingForApproval && s.phase === 'Running').map((s) => s.name),
      steps,
    };
  });

  // Children of orchestration steps follow the run's suspension; signalled only while some run.
  const children = new ChildRuns(snapshot.run.name);
  const applySpecControls = registerControls(controls, {
    approvalSteps,
    open: () => !runEnded,
    changed: () => {
      children.follow(controls.suspended);
      wake = true;
      reporter.request();
    },
  });
  const decisionOf = (step: string) => controls.decisions[step];
  // Controls the run was created with hold before its first step starts (the bridge's signal comes later).
  if (!continuation && snapshot.controls) applySpecControls(snapshot.controls);

  // Outputs by step name, kept up to date as steps succeed, for {{steps.NAME.output}}.
  const outputs = outputsOf(dag, state);
  // Steps report here when they end; the loop drains them in batches (no Promise.race over every step).
  const ended: StepEvent[] = [];
  let inflight = 0;
  let continuing = false;
  const apply = (event: StepEvent) => {
    // A step stopped by the deadline says so.
    if (event.type === 'cancelled' && deadlineHit && !cancelled()) {
      const said = event.message && event.message !== 'cancelled' ? `; ${event.message}` : '';
      event = { ...event, reason: Reasons.DeadlineExceeded, message: `stopped: the run passed its deadline${said}` };
    }
    applyStepEvent(dag, state, event, policy);
    const output = state.steps[event.step]!.output;
    if (output !== undefined) outputs[dag.names[event.step]!] = output;
    // While draining for continue-as-new, status is written once at the end, not per interval.
    if (!continuing) reporter.request();
  };

  // The deadline: a timer from the run's start (carried across continue-as-new). Steps run in a scope of
  // their own, which the timer cancels as a cancel of the run would; the run itself is not cancelled.
  let dagScope: CancellationScope | undefined;
  const deadlineSeconds = snapshot.activeDeadlineSeconds;
  if (deadlineSeconds !== undefined && patched(RUN_DEADLINE)) {
    const scope = new CancellationScope();
    dagScope = scope;
    const onDeadline = () => {
      if (dagEnded || cancelled()) return;
      deadlineHit = true;
      reason = Reasons.DeadlineExceeded;
      message = `the run passed its deadline (activeDeadlineSeconds: ${deadlineSeconds}) at ${new Date().toISOString()}: running steps were stopped, unstarted ones skipped`;
      scope.cancel();
    };
    const left = Date.parse(startTime) + deadlineSeconds * 1000 - Date.now();
    if (left <= 0) onDeadline();
    // A cancel of the run cancels the timer too; that rejection is expected.
    else void sleep(left).then(onDeadline, () => undefined);
  }

  const grace = snapshot.cancelGraceSeconds ?? 0;
  let stopDeadline: number | undefined;
  // Steps that did not stop within the grace period: recorded Cancelled, no longer waited for.
  const abandonRunning = (at: string) => {
    state.steps.forEach((s, i) => {
      if (s.phase === 'Running' || s.launching) {
        apply({ type: 'cancelled', step: i, at, message: `did not stop within the grace period of ${grace}s after the cancel; no longer waited for` });
      }
    });
  };

  const cancelPending = (at: string) => {
    const byDeadline = deadlineHit && !cancelled();
    for (let i = 0; i < state.steps.length; i++) {
      // A launching step is already dispatched: its runner reports how it ends.
      if (state.steps[i]!.phase !== 'Pending' || state.steps[i]!.launching) continue;
      if (byDeadline) apply({ type: 'skipped', step: i, at, reason: Reasons.DeadlineExceeded, message: 'the run passed its deadline before the step started' });
      else apply({ type: 'cancelled', step: i, at, message: 'run cancelled before the step started' });
    }
  };

  reporter.request();
  for (;;) {
    // Once the run is cancelled nothing new starts: unstarted steps end Cancelled at once, running ones
    // when their activities have stopped.
    if (stopping()) cancelPending(new Date().toISOString());
    continuing ||= timeToContinue();
    if (!continuing && !stopping() && !controls.suspended) {
      let starting = stepsToStart(state, policy);
      if (inflight + starting.length > MAX_INFLIGHT_STEPS && patched(BOUNDED_INFLIGHT_STEPS)) starting = starting.slice(0, Math.max(0, MAX_INFLIGHT_STEPS - inflight));
      for (const i of starting) {
        const step = snapshot.steps[i]!;
        // A job step shows Pending until its Job exists; the runner reports it running then.
        apply({ type: 'started', step: i, at: new Date().toISOString(), ...(step.job ? { launching: true } : {}) });
        inflight += 1;
        const launch = () => runStep(step, i, { run: snapshot.run, values: { params: snapshot.parameters, outputs }, cancelGraceSeconds: snapshot.cancelGraceSeconds, report: apply, decisionOf, children });
        void (dagScope ? dagScope.run(launch) : launch())
          // runStep is meant never to reject; should it, the step fails instead of the workflow task.
          .catch((err: unknown): StepEvent => ({ type: 'failed', step: i, at: new Date().toISOString(), reason: 'StepError', message: String(err) }))
          .then((event) => ended.push(event));
      }
    }
    if (inflight === 0) {
      // Suspended with nothing running: wait for a resume (or a cancel, the deadline, continue-as-new's turn).
      if (controls.suspended && !continuing && !stopping() && state.steps.some((s) => s.phase === 'Pending')) {
        wake = false;
        await CancellationScope.nonCancellable(() => condition(() => !controls.suspended || stopping() || timeToContinue()));
        continue;
      }
      break;
    }
    // Non-cancellable wait: a cancel request cancels the running activities (they are in the root scope),
    // and the loop must still collect how each one ended before the run can say Cancelled. Once
    // cancelled, steps get their grace period (and time to report) to stop; then the run stops waiting.
    if (stopping() && stopDeadline === undefined && patched(STEPS_STOP_BEFORE_CANCELLED)) stopDeadline = Date.now() + (grace + STOP_REPORT_SLACK_SECONDS) * 1000;
    if (stopDeadline === undefined) {
      // A cancel request wakes the loop too, to cancel the unstarted steps and start the grace period.
      const wakeOnStop = patched(STEPS_STOP_BEFORE_CANCELLED);
      await CancellationScope.nonCancellable(() => condition(() => ended.length > 0 || (wakeOnStop && stopping()) || wake));
      wake = false;
    } else if (!(await CancellationScope.nonCancellable(() => condition(() => ended.length > 0, Math.max(1, stopDeadline! - Date.now()))))) {
      abandonRunning(new Date().toISOString());
      break;
    }
    if (stopping()) cancelPending(new Date().toISOString()); // before the ends, so dependents say Cancelled
    for (const event of ended.splice(0)) {
      inflight -= 1;
      apply(event);
    }
  }

  if (continuing && !stopping() && state.steps.some((s) => s.phase === 'Pending')) {
    await reporter.flush();
    // A cancel that arrived during the flush must not be lost to the next generation.
    if (!stopping()) {
      return continueAsNew<typeof orchestrationRunWorkflow>({
        snapshot,
        continuation: {
          // A child run also carries the outputs it will return to its parent (bounded as it returns them).
          state: carriedState(dag, state, new Set([...referencedOutputs([...snapshot.steps, ...(fin ? finallySteps : [])]), ...(snapshot.returnOutputs ? Object.keys(boundedOutputs(outputs)) : [])])),
          startTime,
          statusWrites: reporter.writes,
          generation: generation + 1,
          ...(controls.changedAt || controls.specSuspend !== undefined || Object.keys(controls.decisions).length > 0 ? { controls } : {}),
        },
      });
    }
  }

  // From here on the deadline no longer applies: it bounds the DAG, not the finally steps or the last writes.
  dagEnded = true;
  if (fin) {
    if (stopping()) cancelPending(new Date().toISOString());
    await runFinally(fin, dagPhase());
    finallyEnded = true;
  }

  completionTime = new Date().toISOString();
  runEnded = true;
  // A deadline that passed during the flush before continue-as-new leaves unstarted steps: skipped here.
  if (stopping()) cancelPending(completionTime);
  if (cancelled()) message = 'run cancelled';
  const final = phase();
  const counts = allStepCounts(state, fin);
  if (final === 'Failed' && !deadlineHit && fin && dagPhase() === 'Succeeded') {
    reason = Reasons.FinallyFailed;
    const blocking = (s: (typeof fin.state.steps)[number], i: number) => s.phase !== 'Succeeded' && !(s.phase === 'Failed' && fin.dag.continueOnFailure[i]);
    // The step that failed, not one skipped after it.
    const failedAt = fin.state.steps.findIndex((s, i) => s.phase === 'Failed' && blocking(s, i));
    const failed = failedAt >= 0 ? failedAt : fin.state.steps.findIndex(blocking);
    message = `the steps succeeded, but finally step "${fin.dag.names[failed] ?? '?'}" failed${fin.state.steps[failed]?.message ? `: ${fin.state.steps[failed].message}` : ''}`;
  }
  message ??= final === 'Succeeded' ? `${counts.succeeded} of ${counts.total} steps succeeded` : `${counts.failed} of ${counts.total} steps failed`;
  await reporter.flush();
  if (final === 'Cancelled') throw new CancelledFailure(message);
  if (final === 'Failed') {
    const type = reason === Reasons.DeadlineExceeded ? RUN_DEADLINE_EXCEEDED : reason === Reasons.FinallyFailed ? RUN_FINALLY_FAILED : RUN_FAILED;
    throw ApplicationFailure.nonRetryable(message, type, { stepCounts: counts });
  }
  return { phase: final, stepCounts: counts, statusWrites: reporter.writes, generations: generation, ...(snapshot.returnOutputs ? { outputs: boundedOutputs(outputs) } : {}) };

  /** The finally steps, shielded from the run's cancellation, reading how the DAG ended. */
  async function runFinally(part: FinallyPart, ran: RunPhase): Promise<void> {
    const phases = (): Record<string, string> => {
      const out: Record<string, string> = {};
      state.steps.forEach((s, i) => (out[dag.names[i]!] = s.phase));
      part.state.steps.forEach((s, i) => (out[part.dag.names[i]!] = s.phase));
      return out;
    };
    const report = (event: StepEvent) => {
      applyStepEvent(part.dag, part.state, event, { parallelism: 0, failFast: false });
      const output = part.state.steps[event.step]!.output;
      if (output !== undefined) outputs[part.dag.names[event.step]!] = output;
      reporter.request();
    };
    reporter.request();
    await CancellationScope.nonCancellable(() =>
      runFinallySteps(finallySteps, part, {
        run: snapshot.run,
        cancelGraceSeconds: snapshot.cancelGraceSeconds,
        report,
        decisionOf,
        values: () => ({ params: snapshot.parameters, outputs, phases: phases(), runPhase: ran }),
      }),
    );
  }
}
