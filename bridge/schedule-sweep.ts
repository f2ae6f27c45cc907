/**
 * The sweep of orphaned Temporal Schedules: a Schedule of this bridge (its task queue in the memo, a watched
 * namespace in its id) whose OrchestrationSchedule no longer exists (by uid) is deleted. Such a Schedule is left
 * when a schedule's finalizer was released while Temporal could not be reached; its firings would make no run
 * (the firing finds the CR gone), but it would go on firing. Only the leader runs it, a bounded number each tick.
 */
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { parseScheduleId, type ScheduleIdentity } from '../core/index.js';

export interface ScheduleSweepDeps {
  client: Client;
  taskQueue: string;
  /** Watched namespaces; empty: all. */
  namespaces: string[];
  /** Whether the OrchestrationSchedule with this uid exists: the cache first, the apiserver to confirm it is gone. */
  exists: (schedule: ScheduleIdentity) => Promise<boolean>;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Schedules listed and deleted per tick, at most. */
  maxListed?: number;
  maxDeleted?: number;
}

/** One pass: deletes the orphaned Schedules it finds; returns their ids. */
export async function sweepSchedulesOnce(deps: ScheduleSweepDeps): Promise<string[]> {
  const deleted: string[] = [];
  let listed = 0;
  for await (const summary of deps.client.schedule.list({ pageSize: 100 })) {
    if (++listed > (deps.maxListed ?? 10_000) || deleted.length >= (deps.maxDeleted ?? 20)) break;
    const identity = parseScheduleId(summary.scheduleId);
    if (!identity || summary.memo?.taskQueue !== deps.taskQueue) continue;
    if (deps.namespaces.length > 0 && !deps.namespaces.includes(identity.namespace)) continue;
    if (await deps.exists(identity)) continue;
    try {
      await deps.client.schedule.getHandle(summary.scheduleId).delete();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    deps.logger.info({ scheduleId: summary.scheduleId }, 'orphaned Temporal Schedule: its OrchestrationSchedule is gone; deleted it');
    deleted.push(summary.scheduleId);
  }
  return deleted;
}

/** Sweeps every `intervalMs` until stop(). */
export function startScheduleSweep(deps: ScheduleSweepDeps, intervalMs: number): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    try {
      await sweepSchedulesOnce(deps);
    } catch (err) {
      deps.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'schedule sweep failed; trying again later');
    }
    if (!stopped) timer = setTimeout(() => void loop(), intervalMs);
  };
  void loop();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
