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
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  applyStepEvent,
  referencedOutputs,
  buildStatusUpdate,
  deriveRunPhase,
  describeProblems,
  initialState,
  INVALID_SPEC,
  isFinished,
  RUN_FAILED,
  stepCounts,
  stepsToStart,
  validateSteps,
  type Dag,
  type DagState,
  type OrchestrationRunInput,
  type RunPhase,
  type StepEvent,
} from '../core/workflow-safe.js';
import { getRunState, searchAttributeKeys } from './definitions.js';
import { runDetails } from './details.js';
import { StatusReporter } from './status-reporter.js';
import { BOUNDED_INFLIGHT_STEPS, STEPS_STOP_BEFORE_CANCELLED } from './patches.js';
import { runStep } from './step-runner.js';

/** Continue as new well before the 51,200-event limit, also when the server does not suggest it. */
const MAX_EVENTS_PER_GENERATION = 10_000;

export interface OrchestrationRunResult {
  phase: RunPhase;
  stepCounts: ReturnType<typeof stepCounts>;
  statusWrites: number;
  generations: number;
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
  const startTime = continuation?.startTime ?? new Date().toISOString();
  const generation = continuation?.generation ?? 1;
  let completionTime: string | undefined = undefined; // set once the run ends; the status builder reads it
  let message: string | undefined;

  if (!continuation) {
    upsertSearchAttributes([
      { key: searchAttributeKeys.OrchestrationRunNamespace, value: snapshot.run.namespace },
      { key: searchAttributeKeys.OrchestrationRunName, value: snapshot.run.name },
      { key: searchAttributeKeys.OrchestrationRunUid, value: snapshot.run.uid },
      ...(snapshot.run.orchestrationName ? [{ key: searchAttributeKeys.OrchestrationName, value: snapshot.run.orchestrationName }] : []),
    ]);
  }

  // While the workflow runs, so does the run: it is never shown Pending once its workflow started.
  const phase = (): RunPhase => (isFinished(state) ? deriveRunPhase(dag, state) : 'Running');
  // The UI's current details are rebuilt with each status write, not with each event: O(steps) per write.
  const reporter = new StatusReporter(
    snapshot.run,
    () => {
      setCurrentDetails(runDetails(dag, state, phase()));
      return buildStatusUpdate(dag, state, { phase: phase(), startTime, completionTime, message });
    },
    snapshot.statusIntervalMs ?? 1000,
    snapshot.writeStatus,
    continuation?.statusWrites ?? 0,
  );
  setHandler(getRunState, () => ({
    phase: phase(),
    generation,
    statusWrites: reporter.writes,
    halted: state.halted,
    steps: state.steps.map((record, i) => ({ name: dag.names[i]!, ...record })),
  }));

  // Outputs by step name, kept up to date as steps succeed, for {{steps.NAME.output}}.
  const outputs = outputsOf(dag, state);
  // Steps report here when they end; the loop drains them in batches (no Promise.race over every step).
  const ended: StepEvent[] = [];
  let inflight = 0;
  let continuing = false;
  const apply = (event: StepEvent) => {
    applyStepEvent(dag, state, event, policy);
    const output = state.steps[event.step]!.output;
    if (output !== undefined) outputs[dag.names[event.step]!] = output;
    // While draining for continue-as-new, status is written once at the end, not per interval.
    if (!continuing) reporter.request();
  };
  const cancelled = () => CancellationScope.current().consideredCancelled;

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
    for (let i = 0; i < state.steps.length; i++) {
      // A launching step is already dispatched: its runner reports how it ends.
      if (state.steps[i]!.phase === 'Pending' && !state.steps[i]!.launching) apply({ type: 'cancelled', step: i, at, message: 'run cancelled before the step started' });
    }
  };

  reporter.request();
  for (;;) {
    // Once the run is cancelled nothing new starts: unstarted steps end Cancelled at once, running ones
    // when their activities have stopped.
    if (cancelled()) cancelPending(new Date().toISOString());
    continuing ||= timeToContinue();
    if (!continuing && !cancelled()) {
      let starting = stepsToStart(state, policy);
      if (inflight + starting.length > MAX_INFLIGHT_STEPS && patched(BOUNDED_INFLIGHT_STEPS)) starting = starting.slice(0, Math.max(0, MAX_INFLIGHT_STEPS - inflight));
      for (const i of starting) {
        const step = snapshot.steps[i]!;
        // A job step shows Pending until its Job exists; the runner reports it running then.
        apply({ type: 'started', step: i, at: new Date().toISOString(), ...(step.job ? { launching: true } : {}) });
        inflight += 1;
        void runStep(step, i, { run: snapshot.run, values: { params: snapshot.parameters, outputs }, cancelGraceSeconds: snapshot.cancelGraceSeconds, report: apply })
          // runStep is meant never to reject; should it, the step fails instead of the workflow task.
          .catch((err: unknown): StepEvent => ({ type: 'failed', step: i, at: new Date().toISOString(), reason: 'StepError', message: String(err) }))
          .then((event) => ended.push(event));
      }
    }
    if (inflight === 0) break;
    // Non-cancellable wait: a cancel request cancels the running activities (they are in the root scope),
    // and the loop must still collect how each one ended before the run can say Cancelled. Once
    // cancelled, steps get their grace period (and time to report) to stop; then the run stops waiting.
    if (cancelled() && stopDeadline === undefined && patched(STEPS_STOP_BEFORE_CANCELLED)) stopDeadline = Date.now() + (grace + STOP_REPORT_SLACK_SECONDS) * 1000;
    if (stopDeadline === undefined) {
      // A cancel request wakes the loop too, to cancel the unstarted steps and start the grace period.
      const stopping = patched(STEPS_STOP_BEFORE_CANCELLED);
      await CancellationScope.nonCancellable(() => condition(() => ended.length > 0 || (stopping && cancelled())));
    } else if (!(await CancellationScope.nonCancellable(() => condition(() => ended.length > 0, Math.max(1, stopDeadline! - Date.now()))))) {
      abandonRunning(new Date().toISOString());
      break;
    }
    if (cancelled()) cancelPending(new Date().toISOString()); // before the ends, so dependents say Cancelled
    for (const event of ended.splice(0)) {
      inflight -= 1;
      apply(event);
    }
  }

  if (continuing && !cancelled() && state.steps.some((s) => s.phase === 'Pending')) {
    await reporter.flush();
    // A cancel that arrived during the flush must not be lost to the next generation.
    if (!cancelled()) {
      return continueAsNew<typeof orchestrationRunWorkflow>({
        snapshot,
        continuation: { state: carriedState(dag, state, referencedOutputs(snapshot.steps)), startTime, statusWrites: reporter.writes, generation: generation + 1 },
      });
    }
  }

  completionTime = new Date().toISOString();
  if (cancelled()) {
    cancelPending(completionTime);
    message = 'run cancelled';
  }
  const final = phase();
  const counts = stepCounts(state);
  message ??= final === 'Succeeded' ? `${counts.succeeded} of ${counts.total} steps succeeded` : `${counts.failed} of ${counts.total} steps failed`;
  await reporter.flush();
  if (final === 'Cancelled') throw new CancelledFailure(message);
  if (final === 'Failed') throw ApplicationFailure.nonRetryable(message, RUN_FAILED, { stepCounts: counts });
  return { phase: final, stepCounts: counts, statusWrites: reporter.writes, generations: generation };
}
