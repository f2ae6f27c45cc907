/** Runs one step (an activity, or a Job through the job step runner) and turns how it ended into a step event. */
import { isCancellation, proxyActivities } from '@temporalio/workflow';
import {
  STEP_DEFAULTS,
  STEP_HEARTBEAT_TIMEOUT_MS,
  substitute,
  type RunIdentity,
  type Step,
  type StepActivityResult,
  type StepEvent,
  type TemplateValues,
} from '../core/index.js';
import { runJobStep } from './job-step-runner.js';
import { describeFailure } from './step-failure.js';

type StepActivity = (input: unknown) => Promise<StepActivityResult>;

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
  });
  return activities[name]!;
}

export interface StepContext {
  run: RunIdentity;
  values: TemplateValues;
  /** Receives the events of a step between its start and its end (a job step's Job exists, a next attempt). */
  report: (event: StepEvent) => void;
}

/** Resolves to the event that ends the step; never rejects except on cancellation of the whole run. */
export async function runStep(step: Step, index: number, context: StepContext): Promise<StepEvent> {
  if (step.job) return runJobStep({ ...step, job: step.job }, index, context.values, context.run, context.report);
  const activity = step.activity!;
  try {
    const result = await activityFor(step, activity.name)(substitute(activity.input ?? {}, context.values));
    return { type: 'succeeded', step: index, at: new Date().toISOString(), attempts: result.attempt, ...(result.output !== undefined ? { output: result.output } : {}) };
  } catch (err) {
    if (isCancellation(err)) return { type: 'cancelled', step: index, at: new Date().toISOString(), message: 'cancelled' };
    const failure = describeFailure(err, step.retry?.maxAttempts ?? STEP_DEFAULTS.retry.maxAttempts);
    return { type: 'failed', step: index, at: new Date().toISOString(), ...failure };
  }
}
