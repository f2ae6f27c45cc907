/**
 * Every step activity runs through this wrapper: it heartbeats while the step runs (so a cancellation
 * reaches the activity within the heartbeat timeout, whatever the activity does), turns the result into
 * text output, and tags failures with the attempt that produced them.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { StepActivityResult, StepFailureDetails } from '../core/index.js';

export type StepActivity = (input: unknown) => Promise<unknown>;

const HEARTBEAT_EVERY_MS = 500;

function outputText(output: unknown): string | undefined {
  if (output === undefined || output === null) return undefined;
  return typeof output === 'string' ? output : JSON.stringify(output);
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
    const ticker = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      const output = outputText(await fn(input));
      return { attempt: ctx.info.attempt, ...(output !== undefined ? { output } : {}) };
    } catch (err) {
      throw tagged(err, ctx.info.attempt);
    } finally {
      clearInterval(ticker);
    }
  };
}
