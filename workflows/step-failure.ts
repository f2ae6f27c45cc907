/** Turns how a step's activity failed into the reason, message and attempts its status shows. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import type { StepFailureDetails } from '../core/workflow-safe.js';

export function describeFailure(err: unknown, maxAttempts: number): { reason?: string; message: string; attempts: number } {
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

/**
 * How one attempt of a step whose attempts the workflow owns failed, and whether the step's retry policy
 * may run another: the step's own failures say so through the wrapper's details; its own timeout may pass
 * on another attempt; an attempt that infrastructure kept failing until Temporal gave up does not.
 */
export function describeAttemptFailure(err: unknown, timeoutSeconds: number): { reason?: string; message: string; retryable: boolean } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const gaveUp = err instanceof ActivityFailure && err.retryState === 'MAXIMUM_ATTEMPTS_REACHED';
  const infrastructure = (message: string) => (gaveUp ? `${message} (Temporal gave up delivering the attempt to a worker)` : message);
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as StepFailureDetails | undefined;
    const own = details?.retryable !== undefined;
    return { reason: cause.type ?? undefined, message: own ? cause.message : infrastructure(cause.message), retryable: details?.retryable === true };
  }
  if (cause instanceof TimeoutFailure) {
    if (cause.timeoutType === 'START_TO_CLOSE') return { reason: 'Timeout', message: `the attempt ran past the step's timeoutSeconds (${timeoutSeconds}s)`, retryable: true };
    return { reason: 'Timeout', message: infrastructure(`activity timed out: ${(cause.timeoutType ?? 'unknown').toLowerCase()}`), retryable: false };
  }
  return { message: cause instanceof Error ? cause.message : String(cause), retryable: false };
}
