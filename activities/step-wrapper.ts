/**
 * Every step activity runs through this wrapper: it heartbeats while the step runs (so a cancellation
 * reaches the activity within the heartbeat timeout, whatever the activity does), turns the result into
 * text output, and tags failures with the attempt that produced them.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { StepActivityResult, StepFailureDetails } from '../core/index.js';
import { whileHeartbeating } from './heartbeat.js';

export type StepActivity = (input: unknown) => Promise<unknown>;

function outputText(output: unknown): string | undefined {
  if (output === undefined || output === null) return undefined;
  return typeof output === 'string' ? output : JSON.stringify(output);
}

/** A step's output is at most this long; the rest is cut, so one large response cannot break the run. */
export const MAX_OUTPUT_CHARS = 64 * 1024;

function capped(output: string | undefined): string | undefined {
  if (output === undefined || output.length <= MAX_OUTPUT_CHARS) return output;
  return `${output.slice(0, MAX_OUTPUT_CHARS)}… [cut: ${output.length} characters in all]`;
}

function tagged(err: unknown, attempt: number): unknown {
  if (err instanceof CancelledFailure) return err;
  const details: StepFailureDetails[] = [{ attempt }];
  if (err instanceof ApplicationFailure) {
    return ApplicationFailure.create({ message: err.message, type: err.type ?? undefined, nonRetryable: err.nonRetryable ?? false, details, cause: err.cause });
  }
  const error = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({ message: error.message, type: error.name, details, cause: error });
}

export function asStepActivity(fn: StepActivity): (input: unknown) => Promise<StepActivityResult> {
  return async (input) => {
    const ctx = Context.current();
    try {
      // Racing ctx.cancelled: a cancelled step ends even if its activity ignores the cancellation signal.
      const output = capped(outputText(await whileHeartbeating(ctx, () => Promise.race([fn(input), ctx.cancelled]))));
      return { attempt: ctx.info.attempt, ...(output !== undefined ? { output } : {}) };
    } catch (err) {
      throw tagged(err, ctx.info.attempt);
    }
  };
}
