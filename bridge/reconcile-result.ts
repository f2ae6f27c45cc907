/**
 * controller-runtime's reconcile contract (pkg/reconcile): reconcile(key) returns a result or throws. A
 * result forgets the key's backoff and, with requeueAfterMs, looks again then; a thrown error is retried with
 * the queue's per-key backoff; a TerminalError is not retried, but reported (on the run, by the caller).
 */
import { apiErrorMessage, apiStatus } from '../activities/kube.js';
import type { WorkQueue } from './work-queue.js';

export interface ReconcileResult {
  /** Look at the key again after this long (0: at once); absent: only when something changes. */
  requeueAfterMs?: number;
}

/** An error that retrying cannot fix (e.g. the apiserver rejects the write as invalid): reported, not retried. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

/**
 * The apiserver rejected the request itself (400 Bad Request, 422 Invalid: e.g. a field over its bound):
 * sending it again cannot succeed, so it is a TerminalError naming `what`; any other error is returned as is.
 */
export function rejectedForGood(err: unknown, what: string): unknown {
  const code = apiStatus(err);
  if (code !== 400 && code !== 422) return err;
  return new TerminalError(`${what} was rejected by the apiserver (${code}): ${apiErrorMessage(err)}`, { cause: err });
}

export const isTerminalError = (err: unknown): err is TerminalError => err instanceof TerminalError;

export interface ReconcileHooks {
  /** A retryable failure; `delayMs` is the backoff before the next try, `attempt` the failures in a row. */
  onError?: (key: string, error: unknown, attempt: number, delayMs: number) => void;
  /** A terminal failure: not retried; the caller shows it on the object. */
  onTerminal?: (key: string, error: TerminalError) => Promise<void> | void;
}

/** Wraps reconcile(key) into the queue's handler: the queue owns backoff and forgetting. */
export function reconcileHandler(queue: WorkQueue, reconcile: (key: string) => Promise<ReconcileResult>, hooks: ReconcileHooks = {}) {
  return async (key: string): Promise<void> => {
    let result: ReconcileResult;
    try {
      result = await reconcile(key);
    } catch (err) {
      if (isTerminalError(err)) {
        queue.forget(key);
        try {
          await hooks.onTerminal?.(key, err);
        } catch (reportErr) {
          // Reporting it failed (e.g. the apiserver is down): that much is worth a retry.
          const delay = queue.addRateLimited(key);
          hooks.onError?.(key, reportErr, queue.numRequeues(key), delay);
        }
        return;
      }
      const delay = queue.addRateLimited(key);
      hooks.onError?.(key, err, queue.numRequeues(key), delay);
      return;
    }
    queue.forget(key);
    if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
  };
}
