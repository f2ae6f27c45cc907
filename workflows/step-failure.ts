/** Turns how a step's activity failed into the reason, message and attempts its status shows. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';

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
