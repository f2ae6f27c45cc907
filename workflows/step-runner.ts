/** Runs one step (an activity, or a Job through the job step runner) and turns how it ended into a step event. */
import { ActivityCancellationType, isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import {
  STEP_DEFAULTS,
  STEP_HEARTBEAT_TIMEOUT_MS,
  substitute,
  type Step,
  type StepActivityInput,
  type StepActivityResult,
  type StepEvent,
} from '../core/workflow-safe.js';
import { runActivityStep } from './activity-step-runner.js';
import { runApprovalStep } from './approval-step-runner.js';
import { runJobStep } from './job-step-runner.js';
import { runOrchestrationStep } from './orchestration-step-runner.js';
import { APPROVAL_STEPS, JOB_STEPS, ORCHESTRATION_STEPS, STEPS_STOP_BEFORE_CANCELLED, WORKFLOW_OWNS_STEP_ATTEMPTS } from './patches.js';
import type { StepContext } from './step-context.js';
import { describeFailure } from './step-failure.js';

type StepActivity = (input: StepActivityInput) => Promise<StepActivityResult>;

/** Before WORKFLOW_OWNS_STEP_ATTEMPTS: Temporal's retry policy counted the step's attempts. */
function activityFor(step: Step, name: string): StepActivity {
  const retry = { ...STEP_DEFAULTS.retry, ...step.retry };
  const activities = proxyActivities<Record<string, StepActivity>>({
    startToCloseTimeout: `${step.timeoutSeconds ?? STEP_DEFAULTS.timeoutSeconds} seconds`,
    heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT_MS,
    retry: {
      maximumAttempts: retry.maxAttempts,
      initialInterval: `${retry.initialIntervalSeconds} seconds`,
      backoffCoefficient: retry.backoffCoefficient,
    },
    summary: step.name,
    cancellationType: patched(STEPS_STOP_BEFORE_CANCELLED) ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED : ActivityCancellationType.TRY_CANCEL,
  });
  return activities[name]!;
}

/** Resolves to the event that ends the step; never rejects except on cancellation of the whole run. */
export async function runStep(step: Step, index: number, context: StepContext): Promise<StepEvent> {
  if (step.orchestration && patched(ORCHESTRATION_STEPS)) return runOrchestrationStep({ ...step, orchestration: step.orchestration }, index, context);
  if (step.approval && patched(APPROVAL_STEPS)) return runApprovalStep({ ...step, approval: step.approval }, index, context);
  if (step.job && patched(JOB_STEPS)) return runJobStep({ ...step, job: step.job }, index, context);
  if (step.activity && patched(WORKFLOW_OWNS_STEP_ATTEMPTS)) return runActivityStep({ ...step, activity: step.activity }, index, context);
  try {
    const result = step.activity
      ? await activityFor(step, step.activity.name)({ input: substitute(step.activity.input ?? {}, context.values), cancelGraceSeconds: context.cancelGraceSeconds ?? 0 })
      : // Histories from before job steps scheduled this activity, which the worker never had.
        await (activityFor(step, 'runJobStep') as (input: unknown) => Promise<StepActivityResult>)({ job: substitute(step.job, context.values), step: step.name });
    return { type: 'succeeded', step: index, at: new Date().toISOString(), attempts: result.attempt, ...(result.output !== undefined ? { output: result.output } : {}) };
  } catch (err) {
    if (isCancellation(err)) return { type: 'cancelled', step: index, at: new Date().toISOString(), message: 'cancelled' };
    const failure = describeFailure(err, step.retry?.maxAttempts ?? STEP_DEFAULTS.retry.maxAttempts);
    return { type: 'failed', step: index, at: new Date().toISOString(), ...failure };
  }
}
