/** Waiting on conditions with a deadline: the only way the sandbox and the tests synchronise. */
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Named in the timeout error, e.g. "kube-apiserver /readyz". */
  what: string;
  /** Checked before each probe; a message ends the wait at once, e.g. "etcd exited with code 1". */
  failIf?: () => string | undefined;
}

/**
 * Calls `probe` until it returns a value other than undefined, or throws when the deadline passes.
 * The last probe error is kept and reported, so a timeout says why the condition never held.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const failure = options.failIf?.();
    if (failure !== undefined) throw new Error(`gave up waiting for ${options.what}: ${failure}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${cause}`, { cause: lastError });
    }
    await delay(options.intervalMs ?? 200);
  }
}
