/** Runs one step as an activity and turns how it ended into a step event. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { isCancellation, proxyActivities } from '@temporalio/workflow';
import {
  JOB_STEP_ACTIVITY,
  STEP_DEFAULTS,
  STEP_HEARTBEAT_TIMEOUT_MS,
  substitute,
  type Step,
  type StepActivityResult,
  type StepEvent,
  type TemplateValues,
} from '../core/index.js';

type StepActivity = (input: unknown) => Promise<StepActivityResult>;

function activityFor(step: Step): StepActivity {
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
  return activities[step.activity ? step.activity.name : JOB_STEP_ACTIVITY]!;
}

function describeFailure(err: unknown, maxAttempts: number): { reason?: string; message: string; attempts: number } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { attempt?: number } | undefined;
    return { reason: cause.type ?? undefined, message: cause.message, attempts: details?.attempt ?? maxAttempts };
  }
  if (cause instanceof TimeoutFailure) {
    const which = cause.timeoutType === 'HEARTBEAT' ? 'no heartbeat within the heartbeat timeout' : `${(cause.timeoutType ?? 'unknown').toLowerCase()} timeout`;
    return { reason: 'Timeout', message: `activity timed out: ${which}`, attempts: maxAttempts };
  }
  return { message: cause instanceof Error ? cause.message : String(cause), attempts: maxAttempts };
}

/** Resolves to the event that ends the step; never rejects except on cancellation of the whole run. */
export async function runStep(step: Step, index: number, values: TemplateValues): Promise<StepEvent> {
  const input = step.activity ? substitute(step.activity.input ?? {}, values) : { job: substitute(step.job, values), step: step.name };
  try {
    const result = await activityFor(step)(input);
    return { type: 'succeeded', step: index, at: new Date().toISOString(), attempts: result.attempt, ...(result.output !== undefined ? { output: result.output } : {}) };
  } catch (err) {
    if (isCancellation(err)) return { type: 'cancelled', step: index, at: new Date().toISOString(), message: 'cancelled' };
    const failure = describeFailure(err, step.retry?.maxAttempts ?? STEP_DEFAULTS.retry.maxAttempts);
    return { type: 'failed', step: index, at: new Date().toISOString(), ...failure };
  }
}
