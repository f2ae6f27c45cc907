/**
 * How a step's attempts are retried, in one place for activity and job steps. The workflow owns the
 * attempts a step's `retry` allows; Temporal redelivers an attempt that infrastructure interrupted (a worker
 * shut down or killed, a lost heartbeat) without spending one.
 */
import type { Step } from './api/index.js';
import { STEP_DEFAULTS } from './run-snapshot.js';

/** The step's retry policy with its defaults filled in. */
export function stepRetryOf(step: Pick<Step, 'retry'>): { maxAttempts: number; initialIntervalSeconds: number; backoffCoefficient: number } {
  return { ...STEP_DEFAULTS.retry, ...step.retry };
}

/** Delay before attempt `attempt + 1`: initial × coefficient^(attempt − 1), capped like Temporal's at 100 × initial. */
export function retryDelaySeconds(retry: { initialIntervalSeconds: number; backoffCoefficient: number }, attempt: number): number {
  return Math.min(retry.initialIntervalSeconds * retry.backoffCoefficient ** (attempt - 1), 100 * retry.initialIntervalSeconds);
}

/**
 * The step's own timeout ends the attempt for good (the workflow decides on another); any other timeout
 * of a delivery (no heartbeat: its worker died) is infrastructure, and Temporal delivers the attempt again.
 */
export const STEP_TIMEOUT_FAILURE_TYPE = 'TemporalTimeout:StartToClose';

/**
 * Temporal's retry policy for the deliveries of one attempt. Only infrastructure failures reach it (the
 * worker's wrapper fails every failure of the step itself without a retry), so it counts worker
 * restarts, not the step's attempts. Bounded: an activity that kills every worker it lands on (or blocks its
 * event loop past the heartbeat timeout) gives up after 20 deliveries, about 8 minutes at the 30 s cap;
 * each delivery runs the step from its start.
 */
export const STEP_DELIVERY_RETRY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 20,
  nonRetryableErrorTypes: [STEP_TIMEOUT_FAILURE_TYPE],
} as const;
