/** Heartbeats of long activities: a cancellation reaches an activity only through its heartbeats. */
import type { Context } from '@temporalio/activity';

const HEARTBEAT_EVERY_MS = 500;

/** Runs fn while heartbeating every 500 ms, well inside the 2 s heartbeat timeout of step activities. */
export async function whileHeartbeating<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
  const ticker = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await fn();
  } finally {
    clearInterval(ticker);
  }
}
