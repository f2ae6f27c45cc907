/**
 * Runs a job step: one Job per attempt. The workflow owns the attempts (the Job has backoffLimit 0), so the
 * status names each attempt's Job, and a retried activity within an attempt finds its Job by name instead
 * of creating a second one. The step reports Running only once its Job exists.
 */
import { ActivityCancellationType, CancellationScope, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import {
  Reasons,
  STEP_DEFAULTS,
  STEP_HEARTBEAT_TIMEOUT_MS,
  retryDelaySeconds,
  stepRetryOf,
  substitute,
  type JobActivities,
  type JobStep,
  type Step,
  type StepEvent,
  type StepJobOutcome,
  type StepJobRef,
} from '../core/workflow-safe.js';
import { now, type StepContext } from './step-context.js';
import { describeFailure } from './step-failure.js';

/** Kubernetes API hiccups are retried within an attempt; the Job's own failure is the attempt's outcome. */
const API_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds' } as const;
/** Time a Job may need beyond its activeDeadlineSeconds to be scheduled, report and be read. */
const AWAIT_SLACK_SECONDS = 300;

function activitiesFor(step: Step, timeoutSeconds: number): JobActivities {
  const create = proxyActivities<JobActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { ...API_RETRY, maximumAttempts: 20 },
    summary: `${step.name}: create Job`,
  });
  const wait = proxyActivities<JobActivities>({
    startToCloseTimeout: `${timeoutSeconds + AWAIT_SLACK_SECONDS} seconds`,
    heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT_MS,
    retry: { ...API_RETRY, maximumAttempts: 10 },
    summary: step.name,
    // The wait must have stopped before the Job is deleted, or it would take the deletion for a missing Job.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const remove = proxyActivities<JobActivities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { ...API_RETRY, maximumAttempts: 5 },
    summary: `${step.name}: delete Job`,
  });
  return { createStepJob: create.createStepJob, awaitStepJob: wait.awaitStepJob, deleteStepJob: remove.deleteStepJob };
}

/** Deletes the attempt's Job, whatever happens around it; false if that failed for good. */
async function removeJob(activities: JobActivities, ref: StepJobRef): Promise<boolean> {
  try {
    await CancellationScope.nonCancellable(() => activities.deleteStepJob(ref));
    return true;
  } catch {
    return false;
  }
}

export async function runJobStep(step: Step & { job: JobStep }, index: number, context: StepContext): Promise<StepEvent> {
  const { run, report, cancelGraceSeconds } = context;
  const job = substitute(step.job, context.values);
  const retry = stepRetryOf(step);
  const timeoutSeconds = step.timeoutSeconds ?? STEP_DEFAULTS.timeoutSeconds;
  const activities = activitiesFor(step, timeoutSeconds);
  const cancelled = (attempt: number): StepEvent => ({ type: 'cancelled', step: index, at: now(), message: `cancelled in attempt ${attempt}` });
  let retryNote: string | undefined;
  for (let attempt = 1; ; attempt++) {
    let ref: StepJobRef;
    try {
      // Not cancellable: a Job whose creation was under way when a cancel came is found and deleted below.
      const { jobName } = await CancellationScope.nonCancellable(() => activities.createStepJob({ run, step: step.name, attempt, job, timeoutSeconds, ...(cancelGraceSeconds !== undefined ? { cancelGraceSeconds } : {}) }));
      ref = { run, step: step.name, attempt, jobName };
    } catch (err) {
      return { type: 'failed', step: index, at: now(), ...describeFailure(err, attempt), attempts: attempt };
    }
    report({ type: 'running', step: index, at: now(), attempt, jobName: ref.jobName, ...(retryNote ? { message: retryNote } : {}) });
    let outcome: StepJobOutcome | undefined;
    try {
      if (!CancellationScope.current().consideredCancelled) outcome = await activities.awaitStepJob(ref);
    } catch (err) {
      if (!isCancellation(err)) {
        // The wait failed for good (API errors, timeouts): the Job must not run on unobserved.
        const stopped = await removeJob(activities, ref);
        const failure = describeFailure(err, attempt);
        return { type: 'failed', step: index, at: now(), ...failure, message: stopped ? failure.message : `${failure.message}; its Job ${ref.jobName} could not be deleted`, attempts: attempt };
      }
    }
    if (!outcome) {
      const stopped = await removeJob(activities, ref);
      return { ...cancelled(attempt), ...(stopped ? {} : { message: `cancelled in attempt ${attempt}; its Job ${ref.jobName} could not be deleted` }) };
    }
    if (outcome.result === 'succeeded') {
      return { type: 'succeeded', step: index, at: now(), attempts: attempt, ...(outcome.output !== undefined ? { output: outcome.output } : {}) };
    }
    const reason = outcome.result === 'missing' ? Reasons.WorkflowJobMissing : outcome.reason;
    const output = outcome.result === 'failed' && outcome.output !== undefined ? { output: outcome.output } : {};
    // A missing Job's outcome is unknown: running the step again could repeat what it already did.
    if (outcome.result === 'missing' || attempt >= retry.maxAttempts) {
      return { type: 'failed', step: index, at: now(), attempts: attempt, reason, message: outcome.message, ...output };
    }
    const delaySeconds = retryDelaySeconds(retry, attempt);
    retryNote = `attempt ${attempt} failed (${reason}): ${outcome.message}`;
    try {
      await sleep(delaySeconds * 1000);
    } catch {
      return cancelled(attempt); // only a cancellation interrupts a timer
    }
  }
}
