/**
 * Every step activity runs through this wrapper: it heartbeats while the step runs (so a cancellation
 * reaches the activity within the heartbeat timeout, whatever the activity does), turns the result into
 * text output, and tags failures with the attempt that produced them.
 *
 * When the workflow owns the step's attempts (its input names the invocation), every failure of the step
 * itself fails the delivery without a Temporal retry, saying whether the step's policy may try again; only
 * infrastructure (this worker shutting down, a lost heartbeat) makes Temporal deliver the attempt again.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { StepActivityInput, StepActivityResult, StepFailureDetails, StepInvocation } from '../core/index.js';
import { whileHeartbeating } from './heartbeat.js';

/**
 * A step activity: its input, and (from workflows that own the step's attempts) which run, step and
 * attempt it serves, so it can make its effect idempotent: after a worker crash the same attempt runs again.
 */
export type StepActivity = (input: unknown, invocation?: StepInvocation) => Promise<unknown>;

/** The SDK's cancellation reason when the worker shuts down with the activity still running. */
const WORKER_SHUTDOWN = 'WORKER_SHUTDOWN';
/** Failure type of a delivery the worker handed back on shutdown; Temporal delivers the attempt again. */
export const WORKER_SHUTDOWN_FAILURE = 'WorkerShutdown';

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

function tagged(err: unknown, attempt: number, ownsAttempts: boolean, cancelReason: string | undefined): unknown {
  // Handed back, not failed, whatever the activity threw when the shutdown cancelled it (e.g. an AbortError):
  // another worker takes the attempt over at once.
  if (cancelReason === WORKER_SHUTDOWN) return ApplicationFailure.retryable('the worker shut down while the step ran; the attempt is delivered again', WORKER_SHUTDOWN_FAILURE);
  if (err instanceof CancelledFailure) return err;
  const nonRetryable = err instanceof ApplicationFailure ? (err.nonRetryable ?? false) : false;
  const details: StepFailureDetails[] = [ownsAttempts ? { attempt, retryable: !nonRetryable } : { attempt }];
  // The workflow decides on another attempt, so Temporal must not retry the step's own failure.
  const noTemporalRetry = ownsAttempts || nonRetryable;
  if (err instanceof ApplicationFailure) {
    return ApplicationFailure.create({ message: err.message, type: err.type ?? undefined, nonRetryable: noTemporalRetry, details, cause: err.cause });
  }
  const error = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: noTemporalRetry, details, cause: error });
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
    const { input, cancelGraceSeconds, invocation } = unwrap(arg);
    // The step's attempt when the workflow owns them; Temporal's count of deliveries otherwise.
    const attempt = invocation?.attempt ?? ctx.info.attempt;
    // Why the activity was cancelled, if it was: decided on this, not on what the activity threw.
    let cancelReason: string | undefined;
    ctx.cancelled.catch((reason: unknown) => (cancelReason = reason instanceof CancelledFailure ? reason.message : String(reason)));
    try {
      const output = await whileHeartbeating(ctx, async () => {
        const running = fn(input, invocation);
        try {
          // Racing ctx.cancelled: a cancelled step ends even if its activity ignores the cancellation signal,
          return await Promise.race([running, ctx.cancelled]);
        } catch (err) {
          // but first it gets the run's grace period to stop (it sees the cancel through Context.cancelled
          // / cancellationSignal), heartbeating all along.
          // A worker shutting down already gave it the shutdown grace.
          if (cancelReason !== undefined && cancelReason !== WORKER_SHUTDOWN && cancelGraceSeconds > 0) await settledWithin(running, cancelGraceSeconds * 1000);
          throw err;
        }
      });
      const text = capped(outputText(output));
      return { attempt, ...(text !== undefined ? { output: text } : {}) };
    } catch (err) {
      throw tagged(err, attempt, invocation !== undefined, cancelReason);
    }
  };
}
