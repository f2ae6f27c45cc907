/**
 * OrchestrationSchedule rules that need no Temporal and no Kubernetes: the ids and names a schedule gives its
 * Temporal Schedule and its runs, the cancel a schedule asks of a run, and which of its runs the history
 * limits let go. Pure.
 */
import { API_GROUP, isTerminalPhase, Reasons, type RunPhase } from './api/names.js';
import type { CancelRequest } from './cancel.js';

/** Runs kept per outcome by default, as a CronJob keeps its Jobs. */
export const DEFAULT_SUCCESSFUL_RUNS_HISTORY_LIMIT = 3;
export const DEFAULT_FAILED_RUNS_HISTORY_LIMIT = 1;

/** Labels and annotations the schedule puts on the runs it makes. */
export const ScheduleLabels = {
  /** The schedule's name, on each run it made: `kubectl get orchrun -l orchestration.proompteng.ai/schedule=<name>`. */
  schedule: `${API_GROUP}/schedule`,
} as const;
export const ScheduleAnnotations = {
  /** The time the firing was scheduled for (RFC 3339). */
  scheduledTime: `${API_GROUP}/scheduled-time`,
  /** The Temporal workflow of the firing that made the run; it stays open until the run ends. */
  firingWorkflowId: `${API_GROUP}/schedule-workflow-id`,
  /**
   * `schedule:<name>`: the schedule asks the run to cancel (its firing was cancelled or terminated by the
   * overlap policy); the run's own reconcile carries it out as a cancel with that cancelledBy.
   */
  cancelRequestedBy: `${API_GROUP}/cancel-requested-by`,
} as const;

export interface ScheduleIdentity {
  namespace: string;
  name: string;
  uid: string;
}

/** The Temporal Schedule of an OrchestrationSchedule: one per object (a recreated one gets a new Schedule). */
export function scheduleIdFor(schedule: ScheduleIdentity): string {
  return `orchestrationschedule/${schedule.namespace}/${schedule.name}/${schedule.uid}`;
}

/** The identity in a Temporal Schedule's id, or undefined for a Schedule that is not an OrchestrationSchedule's. */
export function parseScheduleId(scheduleId: string): ScheduleIdentity | undefined {
  const match = /^orchestrationschedule\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(scheduleId);
  return match ? { namespace: match[1]!, name: match[2]!, uid: match[3]! } : undefined;
}

/**
 * The run a firing makes: `<schedule>-<unix seconds of the scheduled time>`. The same firing always names the
 * same run, so a retried activity finds the run it made instead of making a second one.
 */
export function scheduledRunName(scheduleName: string, scheduledTime: string): string {
  const ms = Date.parse(scheduledTime);
  if (Number.isNaN(ms)) throw new Error(`scheduled time "${scheduledTime}" is not a timestamp`);
  return `${scheduleName}-${Math.floor(ms / 1000)}`;
}

/** The cancelledBy of a run its schedule cancelled. */
export const scheduleCanceller = (scheduleName: string) => `schedule:${scheduleName}`;

/**
 * The cancel a run's schedule asked for through the annotation: honoured only on a run labelled with that
 * schedule, and only as `schedule:<that name>`, so the annotation cannot claim another author.
 */
export function scheduleCancelRequest(metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }): CancelRequest | undefined {
  const schedule = metadata.labels?.[ScheduleLabels.schedule];
  const asked = metadata.annotations?.[ScheduleAnnotations.cancelRequestedBy];
  if (!schedule || asked !== scheduleCanceller(schedule)) return undefined;
  return { reason: Reasons.ScheduleOverlap, cancelledBy: asked };
}

/** A run a schedule made, as the history limits and the status see it. */
export interface ScheduledRunView {
  name: string;
  uid: string;
  phase?: RunPhase;
  /** RFC 3339; runs without it (made by hand with the label) sort by creationTimestamp. */
  scheduledTime?: string;
  creationTimestamp?: string;
  deleting?: boolean;
}

const timeOf = (run: ScheduledRunView) => run.scheduledTime ?? run.creationTimestamp ?? '';
/** Newest first; the name breaks ties, so the order is stable. */
export function newestFirst(runs: readonly ScheduledRunView[]): ScheduledRunView[] {
  return [...runs].sort((a, b) => {
    const byTime = Date.parse(timeOf(b) || '0') - Date.parse(timeOf(a) || '0');
    return byTime !== 0 && !Number.isNaN(byTime) ? byTime : b.name.localeCompare(a.name);
  });
}

export interface HistoryLimits {
  successful?: number;
  failed?: number;
}

/**
 * The finished runs beyond the history limits, oldest first: of the Succeeded ones all but the newest
 * `successful`, of the Failed and Cancelled ones all but the newest `failed`. Active runs and runs already
 * being deleted are never chosen (nor counted).
 */
export function runsBeyondHistoryLimits(runs: readonly ScheduledRunView[], limits: HistoryLimits): ScheduledRunView[] {
  const kept = { successful: limits.successful ?? DEFAULT_SUCCESSFUL_RUNS_HISTORY_LIMIT, failed: limits.failed ?? DEFAULT_FAILED_RUNS_HISTORY_LIMIT };
  const finished = newestFirst(runs.filter((r) => !r.deleting && isTerminalPhase(r.phase)));
  const succeeded = finished.filter((r) => r.phase === 'Succeeded').slice(kept.successful);
  const failed = finished.filter((r) => r.phase !== 'Succeeded').slice(kept.failed);
  return [...succeeded, ...failed].reverse().sort((a, b) => Date.parse(timeOf(a) || '0') - Date.parse(timeOf(b) || '0'));
}
