/**
 * The pure mapping between an OrchestrationSchedule and its Temporal Schedule: the spec as ScheduleClient
 * options, and the CR's status from the Schedule's description and the runs it made. No I/O.
 */
import type { ScheduleDescription, ScheduleOptions, ScheduleOverlapPolicy, ScheduleUpdateOptions } from '@temporalio/client';
import {
  boundText,
  MAX_NEXT_FIRE_TIMES,
  MAX_RECENT_RUNS,
  newestFirst,
  Reasons,
  scheduleIdFor,
  setCondition,
  type OrchestrationSchedule,
  type OrchestrationScheduleStatus,
  type OverlapPolicy,
  type ScheduledRun,
  type ScheduledRunView,
} from '../core/index.js';
import type { ScheduleFiringInput } from '../workflows/index.js';

export const SCHEDULE_WORKFLOW_TYPE = 'orchestrationScheduleWorkflow';

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  Skip: 'SKIP',
  BufferOne: 'BUFFER_ONE',
  BufferAll: 'BUFFER_ALL',
  CancelOther: 'CANCEL_OTHER',
  TerminateOther: 'TERMINATE_OTHER',
  AllowAll: 'ALLOW_ALL',
};

export interface ScheduleTarget {
  temporalNamespace: string;
  taskQueue: string;
  uiBaseUrl: string;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** An interval such as 10s or 1h30m in milliseconds (Temporal's own duration strings take one unit only). */
export function intervalMs(interval: string): number {
  let total = 0;
  for (const [, digits, unit] of interval.matchAll(/([0-9]+)(ms|s|m|h|d)/g)) total += Number(digits) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return total;
}

/**
 * What the Temporal Schedule should be, but its paused state (spec.suspend is applied only when it changes,
 * so a pause from the Temporal UI or CLI is not undone by the next update). The action carries only the
 * schedule's identity: each firing reads orchestrationRef and parameters from the CR as it is then.
 */
export function scheduleUpdateFor(schedule: OrchestrationSchedule, taskQueue: string): Omit<ScheduleUpdateOptions, 'state'> {
  const { spec, metadata } = schedule;
  const scheduleId = scheduleIdFor(metadata);
  const args: [ScheduleFiringInput] = [{ namespace: metadata.namespace, schedule: metadata.name, scheduleUid: metadata.uid }];
  return {
    spec: {
      ...(spec.schedule !== undefined ? { cronExpressions: [spec.schedule] } : {}),
      ...(spec.interval !== undefined ? { intervals: [{ every: intervalMs(spec.interval) }] } : {}),
      ...(spec.timeZone !== undefined ? { timezone: spec.timeZone } : {}),
      ...(spec.jitterSeconds ? { jitter: spec.jitterSeconds * 1000 } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULE_WORKFLOW_TYPE,
      // Temporal appends each firing's scheduled time to it.
      workflowId: scheduleId,
      taskQueue,
      args,
      staticSummary: `OrchestrationSchedule ${metadata.namespace}/${metadata.name}: one firing`,
    },
    policies: {
      overlap: OVERLAP[spec.overlapPolicy ?? 'Skip'],
      ...(spec.catchupWindowSeconds !== undefined ? { catchupWindow: spec.catchupWindowSeconds * 1000 } : {}),
    },
  };
}

/** The options that create the Temporal Schedule, paused when spec.suspend says so. */
export function scheduleCreateFor(schedule: OrchestrationSchedule, taskQueue: string): ScheduleOptions {
  const suspend = schedule.spec.suspend ?? false;
  return {
    scheduleId: scheduleIdFor(schedule.metadata),
    ...scheduleUpdateFor(schedule, taskQueue),
    state: suspend ? { paused: true, note: SUSPEND_NOTE } : {},
    // The sweep of orphaned Schedules touches only its own bridge's (a Temporal namespace may serve several clusters).
    memo: { orchestrationSchedule: `${schedule.metadata.namespace}/${schedule.metadata.name}`, taskQueue },
  };
}

/** The note of a pause or unpause the bridge makes for spec.suspend. */
export const SUSPEND_NOTE = 'paused by spec.suspend of the OrchestrationSchedule';
export const UNSUSPEND_NOTE = 'unpaused by spec.suspend of the OrchestrationSchedule';

export function scheduleUiUrl(target: ScheduleTarget, scheduleId: string): string | undefined {
  const base = target.uiBaseUrl.replace(/\/$/, '');
  if (!base) return undefined;
  return `${base}/namespaces/${encodeURIComponent(target.temporalNamespace)}/schedules/${encodeURIComponent(scheduleId)}`;
}

const runEntry = (run: ScheduledRunView): ScheduledRun => ({ name: run.name, ...(run.scheduledTime ? { scheduledTime: run.scheduledTime } : {}), ...(run.phase ? { phase: run.phase } : {}) });

/** What the Schedule's description says of its state, for the status. */
export type ScheduleState = Pick<ScheduleDescription, 'state'> & { info: Pick<ScheduleDescription['info'], 'nextActionTimes'> };

/**
 * The status the bridge writes: the Schedule's pause and next fire times, the runs it made (newest first),
 * Ready=True. `appliedSuspend` is the spec.suspend last sent to Temporal.
 */
export function readyStatus(
  schedule: OrchestrationSchedule,
  target: ScheduleTarget,
  described: ScheduleState,
  runs: readonly ScheduledRunView[],
  appliedSuspend: boolean,
  now: string,
): OrchestrationScheduleStatus {
  const scheduleId = scheduleIdFor(schedule.metadata);
  const generation = schedule.metadata.generation;
  const url = scheduleUiUrl(target, scheduleId);
  const recent = newestFirst(runs).slice(0, MAX_RECENT_RUNS).map(runEntry);
  const paused = described.state.paused;
  const message = paused ? `Temporal Schedule ${scheduleId} is paused` : `Temporal Schedule ${scheduleId} is running`;
  return {
    observedGeneration: generation,
    conditions: setCondition(schedule.status?.conditions, { type: 'Ready', status: 'True', reason: Reasons.ScheduleReady, message, ...(generation !== undefined ? { observedGeneration: generation } : {}) }, now),
    temporal: { namespace: target.temporalNamespace, scheduleId, ...(url ? { uiUrl: url } : {}) },
    paused,
    ...(described.state.note ? { pauseNote: boundText(described.state.note, 1024) } : {}),
    appliedSuspend,
    nextFireTimes: described.info.nextActionTimes.slice(0, MAX_NEXT_FIRE_TIMES).map((t) => t.toISOString()),
    ...(recent[0] ? { lastRun: recent[0] } : {}),
    recentRuns: recent,
  };
}

/** Ready=False naming the problem (Temporal's own words for a spec it refused). */
export function notReadyStatus(schedule: OrchestrationSchedule, reason: string, problem: string, now: string): OrchestrationScheduleStatus {
  const generation = schedule.metadata.generation;
  const message = boundText(problem, 4096);
  return {
    ...schedule.status,
    observedGeneration: generation,
    conditions: setCondition(schedule.status?.conditions, { type: 'Ready', status: 'False', reason, message, ...(generation !== undefined ? { observedGeneration: generation } : {}) }, now),
  };
}
