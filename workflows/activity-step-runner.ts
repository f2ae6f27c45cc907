/**
 * Runs an activity step whose attempts the workflow owns (patch WORKFLOW_OWNS_STEP_ATTEMPTS). Each attempt
 * is one activity; Temporal redelivers it, with the same attempt number, when infrastructure interrupts it
 * (the worker shut down or died, its heartbeat was lost), and the worker's wrapper fails every failure of
 * the step itself without a Temporal retry. So the step's `retry` counts the step's failures only.
 */
import { ActivityCancellationType, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import {
  STEP_DEFAULTS,
  STEP_DELIVERY_RETRY,
  STEP_HEARTBEAT_TIMEOUT_MS,
  retryDelaySeconds,
  stepRetryOf,
  substitute,
  type Step,
  type StepActivityInput,
  type StepActivityResult,
  type StepEvent,
} from '../core/workflow-safe.js';
import { describeAttemptFailure } from './step-failure.js';
import { now, type StepContext } from './step-context.js';

type StepActivity = (input: StepActivityInput) => Promise<StepActivityResult>;

function deliveredActivity(step: Step, name: string, timeoutSeconds: number): StepActivity {
  const activities = proxyActivities<Record<string, StepActivity>>({
    startToCloseTimeout: `${timeoutSeconds} seconds`,
    heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT_MS,
    retry: { ...STEP_DELIVERY_RETRY, nonRetryableErrorTypes: [...STEP_DELIVERY_RETRY.nonRetryableErrorTypes] },
    summary: step.name,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  return activities[name]!;
}

export async function runActivityStep(step: Step & { activity: NonNullable<Step['activity']> }, index: number, context: StepContext): Promise<StepEvent> {
  const retry = stepRetryOf(step);
  const timeoutSeconds = step.timeoutSeconds ?? STEP_DEFAULTS.timeoutSeconds;
  const activity = deliveredActivity(step, step.activity.name, timeoutSeconds);
  const input = substitute(step.activity.input ?? {}, context.values);
  const { run } = context;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await activity({
        input,
        cancelGraceSeconds: context.cancelGraceSeconds ?? 0,
        invocation: { runUid: run.uid, namespace: run.namespace, run: run.name, step: step.name, attempt },
      });
      return { type: 'succeeded', step: index, at: now(), attempts: attempt, ...(result.output !== undefined ? { output: result.output } : {}) };
    } catch (err) {
      if (isCancellation(err)) return { type: 'cancelled', step: index, at: now(), message: attempt > 1 ? `cancelled in attempt ${attempt}` : 'cancelled' };
      const failure = describeAttemptFailure(err, timeoutSeconds);
      if (!failure.retryable || attempt >= retry.maxAttempts) {
        return { type: 'failed', step: index, at: now(), attempts: attempt, message: failure.message, ...(failure.reason ? { reason: failure.reason } : {}) };
      }
      try {
        await sleep(retryDelaySeconds(retry, attempt) * 1000);
      } catch {
        return { type: 'cancelled', step: index, at: now(), message: `cancelled while waiting to retry after attempt ${attempt}` };
      }
      context.report({ type: 'running', step: index, at: now(), attempt: attempt + 1, message: `attempt ${attempt} failed (${failure.reason ?? 'Error'}): ${failure.message}` });
    }
  }
}
