/**
 * Retrying the apiserver through an outage: transient failures (see `isTransient`) pause with a capped
 * exponential backoff and are tried again, for a bounded time; any other failure is explained at once.
 */
import { CliError, explain, isTransient, type Action } from './kube.js';

/** How transient failures are retried: 0.5 s doubling up to 15 s between tries, for up to 2 min of failures in a row. */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Failures in a row for this long end the retries: the server is down, not restarting. */
  giveUpAfterMs: number;
}

export const RETRY_POLICY: RetryPolicy = { initialDelayMs: 500, maxDelayMs: 15_000, giveUpAfterMs: 120_000 };

/** The pause after the n-th failure in a row (1-based): capped exponential, no jitter (one client, not a herd). */
export function retryDelay(policy: RetryPolicy, failures: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, failures - 1));
}

/** Time as the retries see it; tests pass a fake one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/**
 * The state of one retried conversation with the apiserver: `failed(err)` pauses before the next try, or throws
 * the error explained once it is not transient or failures have gone on for `giveUpAfterMs`; `succeeded()` starts
 * the count again.
 */
export class Backoff {
  private failures = 0;
  private since: number | undefined;
  constructor(
    private readonly action: Action,
    private readonly policy: RetryPolicy = RETRY_POLICY,
    private readonly clock: Clock = realClock,
    /** Told of each retry (`failures` 1 is the first of a run of failures), so a user can be told too. */
    private readonly onRetry?: (explained: Error, failures: number) => void,
  ) {}

  succeeded(): void {
    this.failures = 0;
    this.since = undefined;
  }

  /** `action`: what failed this time, when it is not what the backoff was made for (a list inside a watch). */
  async failed(err: unknown, action: Action = this.action): Promise<void> {
    const explained = explain(err, action);
    if (!isTransient(err)) throw explained;
    const now = this.clock.now();
    this.since ??= now;
    if (now - this.since >= this.policy.giveUpAfterMs) {
      const server = action.server ? ` at ${action.server}` : '';
      throw new CliError(`gave up after ${Math.round((now - this.since) / 1000)} s of failures from the Kubernetes API server${server}: ${explained.message}`, 3, { cause: err });
    }
    this.failures++;
    this.onRetry?.(explained, this.failures);
    await this.clock.sleep(retryDelay(this.policy, this.failures));
  }
}

/** `attempt` until it succeeds, pausing after each transient failure as `Backoff` does. */
export async function withRetries<T>(action: Action, attempt: () => Promise<T>, policy: RetryPolicy = RETRY_POLICY, clock: Clock = realClock, onRetry?: (explained: Error, failures: number) => void): Promise<T> {
  const backoff = new Backoff(action, policy, clock, onRetry);
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      await backoff.failed(err);
    }
  }
}
