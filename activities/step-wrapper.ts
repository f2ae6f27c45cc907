/**
 * Every step activity runs through this wrapper: it heartbeats while the step runs (so a cancellation
 * reaches the activity within the heartbeat timeout, whatever the activity does), turns the result into
 * text output, and tags failures with the attempt that produced them.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { StepActivityInput, StepActivityResult, StepFailureDetails } from '../core/index.js';
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

/** The workflow sends { input, cancelGraceSeconds }; a workflow from before that sent the input alone. */
function unwrap(arg: unknown): StepActivityInput {
  if (typeof arg === 'object' && arg !== null && 'input' in arg && 'cancelGraceSeconds' in arg) return arg as StepActivityInput;
  return { input: (arg ?? {}) as Record<string, unknown>, cancelGraceSeconds: 0 };
}

/** Resolves when the promise settled or the time ran out, whichever is first. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.then(() => undefined, () => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export function asStepActivity(fn: StepActivity): (arg: unknown) => Promise<StepActivityResult> {
  return async (arg) => {
    const ctx = Context.current();
    const { input, cancelGraceSeconds } = unwrap(arg);
    try {
      const output = await whileHeartbeating(ctx, async () => {
        const running = fn(input);
        try {
          // Racing ctx.cancelled: a cancelled step ends even if its activity ignores the cancellation signal,
          return await Promise.race([running, ctx.cancelled]);
        } catch (err) {
          // but first it gets the run's grace period to stop (it sees the cancel through Context.cancelled
          // / cancellationSignal), heartbeating all along.
          if (err instanceof CancelledFailure && cancelGraceSeconds > 0) await settledWithin(running, cancelGraceSeconds * 1000);
          throw err;
        }
      });
      const text = capped(outputText(output));
      return { attempt: ctx.info.attempt, ...(text !== undefined ? { output: text } : {}) };
    } catch (err) {
      throw tagged(err, ctx.info.attempt);
    }
  };
}
