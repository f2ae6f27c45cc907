/** When a supervised process that died is started again: pure, so the policy is table-tested. */

export interface RestartPolicy {
  /** Delay before the first restart after a quick death. */
  initialDelayMs: number;
  /** Each further quick death multiplies the delay by this. */
  factor: number;
  /** The delay never exceeds this, however often the process dies. */
  maxDelayMs: number;
  /** A process that stayed up this long counts as healthy: its next death restarts after `initialDelayMs` again. */
  resetAfterMs: number;
}

/** `npm run dev`: 1 s, 2 s, 4 s … up to 30 s, back to 1 s once a process has run for a minute. */
export const DEV_RESTART_POLICY: RestartPolicy = { initialDelayMs: 1000, factor: 2, maxDelayMs: 30_000, resetAfterMs: 60_000 };

/** How many times in a row the process died before it had been up `resetAfterMs`. */
export interface RestartState {
  quickDeaths: number;
}

export const INITIAL_RESTART_STATE: RestartState = { quickDeaths: 0 };

/** The delay before the next start of a process that died after `uptimeMs`, and the state to keep for its next death. */
export function nextRestart(policy: RestartPolicy, state: RestartState, uptimeMs: number): { delayMs: number; state: RestartState } {
  const quickDeaths = uptimeMs >= policy.resetAfterMs ? 0 : state.quickDeaths;
  const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** quickDeaths);
  return { delayMs, state: { quickDeaths: quickDeaths + 1 } };
}
