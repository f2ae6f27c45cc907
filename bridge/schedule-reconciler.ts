/**
 * Reconciles an OrchestrationSchedule with its one Temporal Schedule (ScheduleClient): creates it when
 * missing, updates it when the spec's generation changes, pauses or unpauses it when spec.suspend changes,
 * and deletes it behind the finalizer (bounded like a run's cleanup). It writes the CR's status (the only
 * writer), asks a run whose firing was terminated (TerminateOther) to cancel as by the schedule, and deletes
 * the finished runs beyond the history limits. Looks again every resync, so a pause or a backfill made in
 * the Temporal UI or CLI shows on the CR.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { ScheduleNotFoundError, WorkflowNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import type { Logger } from 'pino';
import {
  API_GROUP,
  API_VERSION,
  isTerminalPhase,
  MAX_SCHEDULE_NAME,
  ORCHESTRATION_SCHEDULE_KIND,
  ORCHESTRATION_SCHEDULE_PLURAL,
  OrchestrationScheduleSchema,
  Reasons,
  RUNTIME_CLEANUP_FINALIZER,
  ScheduleAnnotations,
  scheduleCanceller,
  scheduleIdFor,
  ScheduleLabels,
  runsBeyondHistoryLimits,
  type OrchestrationSchedule,
  type OrchestrationScheduleStatus,
  type RunPhase,
  type ScheduledRunView,
} from '../core/index.js';
import { apiErrorMessage, isNotFound, runObjectRef } from '../activities/kube.js';
import { recordRunEvent } from '../activities/run-events.js';
import { releaseDeadline, UNREACHABLE_RETRY_MS } from './decide-cancel.js';
import type { ReconcileResult } from './reconcile-result.js';
import { notReadyStatus, readyStatus, scheduleCreateFor, scheduleUpdateFor, SUSPEND_NOTE, UNSUSPEND_NOTE, type ScheduleTarget } from './schedule-options.js';
import type { BridgeSettings } from './types.js';
import { DeadlineReads, TEMPORAL_READ_DEADLINE_MS } from './workflow-reader.js';

/** Keys of OrchestrationSchedules in the bridge's queue: apart from runs' (namespace/name) and Orchestrations'. */
export const SCHEDULE_KEY_PREFIX = 'orchestrationschedule:';
/** How often a schedule's Temporal Schedule is described again: pauses and backfills from Temporal show within it. */
export const SCHEDULE_RESYNC_MS = 10_000;
/** A delete at the release deadline still gets this long before the schedule is released anyway. */
const LAST_TRY_MS = 500;

export interface ScheduleReconcilerDeps {
  kubeConfig: KubeConfig;
  client: Client;
  settings: BridgeSettings;
  identity: string;
  logger: Logger;
  getSchedule(namespace: string, name: string): KubernetesObject | undefined;
  listRuns(namespace: string): KubernetesObject[];
  resyncMs?: number;
  onApiWrite?: (kind: string) => void;
}

interface CachedRun {
  metadata: { name: string; uid: string; resourceVersion?: string; creationTimestamp?: string; deletionTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { uid: string }[] };
  status?: { phase?: RunPhase };
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/**
 * Temporal refused the Schedule as specified (e.g. a cron expression it cannot parse): ScheduleClient turns
 * the server's "Invalid schedule spec" into a TypeError; any other INVALID_ARGUMENT (gRPC code 3) alike.
 */
const isInvalidSpec = (err: unknown): boolean => {
  const code = (e: unknown) => (typeof e === 'object' && e !== null && 'code' in e ? (e).code : undefined);
  // The SDK's refusal of a spec (it strips "Invalid schedule spec:"), not a TypeError of the runtime: a bug here
  // must be retried and seen, not reported as the user's spec.
  const refused = err instanceof TypeError && !/Cannot read propert|is not a function|is not iterable|Cannot convert|is not a constructor/.test(err.message);
  return refused || code(err) === 3 || code((err as { cause?: unknown } | undefined)?.cause) === 3;
};
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The runs the schedule made: labelled with its name and owned by this very object (not an earlier one of that name). */
export function runsOf(runs: readonly KubernetesObject[], schedule: { name: string; uid: string }): CachedRun[] {
  return (runs as CachedRun[]).filter((r) => r.metadata?.labels?.[ScheduleLabels.schedule] === schedule.name && r.metadata.ownerReferences?.some((o) => o.uid === schedule.uid));
}

const viewOf = (run: CachedRun): ScheduledRunView => ({
  name: run.metadata.name,
  uid: run.metadata.uid,
  ...(run.status?.phase ? { phase: run.status.phase } : {}),
  ...(run.metadata.annotations?.[ScheduleAnnotations.scheduledTime] ? { scheduledTime: run.metadata.annotations[ScheduleAnnotations.scheduledTime] } : {}),
  ...(run.metadata.creationTimestamp ? { creationTimestamp: run.metadata.creationTimestamp } : {}),
  ...(run.metadata.deletionTimestamp ? { deleting: true } : {}),
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** JSON with object keys sorted: the apiserver returns keys in its own order, which is no change. */
const canonical = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(canonical).join(',')}]` : isObject(v) ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}` : JSON.stringify(v) ?? 'null';

/** A JSON merge patch (RFC 7386) that turns `from` into `to`; undefined when they are equal, whatever their key order. */
function mergePatch(from: Record<string, unknown>, to: Record<string, unknown>): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(to)) {
    if (canonical(from[key]) === canonical(value)) continue;
    // Nested objects are patched key by key: a key gone from `to` must be nulled, not kept (lastRun.phase).
    patch[key] = isObject(from[key]) && isObject(value) ? (mergePatch(from[key], value) ?? {}) : value;
  }
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** The merge patch that turns `from` into `to`: changed fields set, vanished ones null; undefined when equal. */
export function statusPatch(from: OrchestrationScheduleStatus | undefined, to: OrchestrationScheduleStatus): Record<string, unknown> | undefined {
  return mergePatch((from ?? {}), to);
}

export function createScheduleReconciler(deps: ScheduleReconcilerDeps) {
  const objects = deps.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = deps.kubeConfig.makeApiClient(CoreV1Api);
  const reads = new DeadlineReads(deps.client);
  const target: ScheduleTarget = { temporalNamespace: deps.settings.temporalNamespace, taskQueue: deps.settings.taskQueue, uiBaseUrl: deps.settings.uiBaseUrl };
  const resyncMs = deps.resyncMs ?? SCHEDULE_RESYNC_MS;
  const ref = (s: OrchestrationSchedule) => ({ group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_SCHEDULE_PLURAL, namespace: s.metadata.namespace, name: s.metadata.name });
  const withTemporal = <T>(read: () => Promise<T>) => reads.read(Date.now() + TEMPORAL_READ_DEADLINE_MS, read);
  const wrote = (kind: string) => deps.onApiWrite?.(kind);

  async function writeStatus(schedule: OrchestrationSchedule, status: OrchestrationScheduleStatus): Promise<void> {
    const patch = statusPatch(schedule.status, status);
    if (!patch) return;
    await objects.patchNamespacedCustomObjectStatus({ ...ref(schedule), body: { status: patch } }, merge);
    wrote('status');
  }

  async function event(schedule: OrchestrationSchedule, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await recordRunEvent(core, schedule.metadata, { type, reason, message }, 'orchestration-bridge', deps.identity, ORCHESTRATION_SCHEDULE_KIND).catch(() => undefined);
  }

  async function setFinalizers(schedule: OrchestrationSchedule, finalizers: string[]): Promise<void> {
    await objects.patchNamespacedCustomObject({ ...ref(schedule), body: { metadata: { resourceVersion: schedule.metadata.resourceVersion, finalizers } } }, merge);
    wrote('finalizer');
  }

  /** Deletion: the Temporal Schedule goes first; past the cleanup timeout the object is released anyway. */
  async function finalize(schedule: OrchestrationSchedule, scheduleId: string): Promise<ReconcileResult> {
    const finalizers = schedule.metadata.finalizers ?? [];
    if (!finalizers.includes(RUNTIME_CLEANUP_FINALIZER)) return {};
    const release = () => setFinalizers(schedule, finalizers.filter((f) => f !== RUNTIME_CLEANUP_FINALIZER));
    // The call may not outlast the release deadline (but gets a last short try), as a deleted run's reads.
    const now = Date.now();
    const deadline = Math.min(now + TEMPORAL_READ_DEADLINE_MS, Math.max(releaseDeadline(schedule, deps.settings)!, now + LAST_TRY_MS));
    try {
      await reads.read(deadline, () => deps.client.schedule.getHandle(scheduleId).delete());
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) {
        const left = releaseDeadline(schedule, deps.settings)! - Date.now();
        if (left > 0) {
          // Tried again soon, not after the queue's backoff: the last try lands on the deadline itself.
          deps.logger.warn({ schedule: `${schedule.metadata.namespace}/${schedule.metadata.name}`, error: messageOf(err), leftMs: left }, 'could not delete the Temporal Schedule; trying again');
          return { requeueAfterMs: Math.min(left, UNREACHABLE_RETRY_MS) };
        }
        await event(schedule, 'Warning', 'CleanupFailed', `could not delete Temporal Schedule ${scheduleId} within the cleanup timeout (${messageOf(err)}); released the schedule anyway: the bridge deletes that Schedule once Temporal is back`);
      }
    }
    await release();
    return {};
  }

  /** Runs still active whose firing workflow has closed (TerminateOther, or a firing that failed): asked to cancel as by the schedule. */
  async function cancelOrphanedRuns(schedule: OrchestrationSchedule, runs: CachedRun[], described: ScheduleDescription): Promise<void> {
    const running = new Set(described.info.runningActions.map((a) => a.workflow.workflowId));
    const by = scheduleCanceller(schedule.metadata.name);
    for (const run of runs) {
      const firing = run.metadata.annotations?.[ScheduleAnnotations.firingWorkflowId];
      if (!firing || running.has(firing) || isTerminalPhase(run.status?.phase) || run.metadata.deletionTimestamp) continue;
      if (run.metadata.annotations?.[ScheduleAnnotations.cancelRequestedBy] === by) continue;
      let status: string;
      try {
        status = (await withTemporal(() => deps.client.workflow.getHandle(firing).describe())).status.name;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        status = 'NOT_FOUND';
      }
      if (status === 'RUNNING') continue;
      // resourceVersion: a run that ended since the cache saw it is not touched (409, looked at again).
      await objects.patchNamespacedCustomObject(
        { ...runObjectRef({ namespace: schedule.metadata.namespace, name: run.metadata.name }), body: { metadata: { resourceVersion: run.metadata.resourceVersion, annotations: { [ScheduleAnnotations.cancelRequestedBy]: by } } } },
        merge,
      );
      wrote('annotation');
      deps.logger.info({ schedule: `${schedule.metadata.namespace}/${schedule.metadata.name}`, run: run.metadata.name, firing, status }, 'firing closed while its run was active: cancel requested');
    }
  }

  async function trimHistory(schedule: OrchestrationSchedule, runs: ScheduledRunView[]): Promise<void> {
    const beyond = runsBeyondHistoryLimits(runs, { successful: schedule.spec.successfulRunsHistoryLimit, failed: schedule.spec.failedRunsHistoryLimit });
    for (const run of beyond) {
      try {
        await objects.deleteNamespacedCustomObject({ ...runObjectRef({ namespace: schedule.metadata.namespace, name: run.name }), body: { propagationPolicy: 'Background', preconditions: { uid: run.uid } } });
        wrote('delete');
      } catch (err) {
        if (!isNotFound(err)) throw new Error(`could not delete run ${run.name} beyond the history limits of schedule ${schedule.metadata.name}: ${apiErrorMessage(err)}`, { cause: err });
      }
    }
  }

  async function reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const cached = deps.getSchedule(namespace, name);
    if (!cached) return {};
    const parsed = OrchestrationScheduleSchema.safeParse(structuredClone(cached));
    const now = () => new Date().toISOString();
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      // Without a parsed spec there is nothing to mirror; the status says why (and a deletion goes through).
      const raw = cached as unknown as OrchestrationSchedule;
      if (raw.metadata?.deletionTimestamp && raw.metadata.finalizers?.includes(RUNTIME_CLEANUP_FINALIZER)) return finalize(raw, scheduleIdFor(raw.metadata));
      await writeStatus(raw, notReadyStatus(raw, Reasons.InvalidSpec, `the schedule does not match the schema: ${problems}`, now()));
      return {};
    }
    const schedule = parsed.data;
    const scheduleId = scheduleIdFor(schedule.metadata);
    if (schedule.metadata.deletionTimestamp) return finalize(schedule, scheduleId);
    if (!schedule.metadata.finalizers?.includes(RUNTIME_CLEANUP_FINALIZER)) {
      await setFinalizers(schedule, [...(schedule.metadata.finalizers ?? []), RUNTIME_CLEANUP_FINALIZER]);
      return {}; // the informer's update brings it back, with the finalizer in the cache

    }
    if (name.length > MAX_SCHEDULE_NAME) {
      await writeStatus(schedule, notReadyStatus(schedule, Reasons.InvalidSpec, `the name is ${name.length} characters; a schedule's name may have at most ${MAX_SCHEDULE_NAME} (its runs are named <schedule>-<unix seconds>, at most 63)`, now()));
      return {};
    }

    const handle = deps.client.schedule.getHandle(scheduleId);
    const generation = schedule.metadata.generation;
    const ready = schedule.status?.conditions?.find((c) => c.type === 'Ready');
    const refusedThisGeneration = ready?.status === 'False' && ready.reason === Reasons.InvalidSpec && ready.observedGeneration === generation;
    const wantSuspend = schedule.spec.suspend ?? false;
    let appliedSuspend = schedule.status?.appliedSuspend;
    let described: ScheduleDescription | undefined;
    try {
      described = await withTemporal(() => handle.describe());
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw new Error(`could not describe Temporal Schedule ${scheduleId}: ${messageOf(err)}`, { cause: err });
    }
    try {
      if (!described) {
        if (refusedThisGeneration) return {};
        await withTemporal(() => deps.client.schedule.create(scheduleCreateFor(schedule, deps.settings.taskQueue)));
        appliedSuspend = wantSuspend;
        await event(schedule, 'Normal', 'ScheduleCreated', `Temporal Schedule ${scheduleId} created`);
      } else if (schedule.status?.observedGeneration !== generation && !refusedThisGeneration) {
        const wanted = scheduleUpdateFor(schedule, deps.settings.taskQueue);
        // The paused state is Temporal's to keep here: spec.suspend is applied below, only when it changed.
        await withTemporal(() => handle.update((previous) => ({ ...wanted, state: { paused: previous.state.paused, ...(previous.state.note ? { note: previous.state.note } : {}) } })));
      }
    } catch (err) {
      if (!isInvalidSpec(err)) throw new Error(`could not ${described ? 'update' : 'create'} Temporal Schedule ${scheduleId}: ${messageOf(err)}`, { cause: err });
      const problem = `Temporal refused the schedule: ${messageOf(err)}${described ? '; the Temporal Schedule keeps its previous spec' : ''}`;
      await writeStatus(schedule, notReadyStatus(schedule, Reasons.InvalidSpec, problem, now()));
      await event(schedule, 'Warning', Reasons.InvalidSpec, problem);
      return described ? { requeueAfterMs: resyncMs } : {};
    }
    // spec.suspend is applied when it differs from the last one applied, not from Temporal's state.
    if (appliedSuspend === undefined) appliedSuspend = described ? described.state.paused : wantSuspend;
    if (appliedSuspend !== wantSuspend) {
      await withTemporal(() => (wantSuspend ? handle.pause(SUSPEND_NOTE) : handle.unpause(UNSUSPEND_NOTE)));
      appliedSuspend = wantSuspend;
    }
    described = await withTemporal(() => handle.describe());

    const runs = runsOf(deps.listRuns(namespace), schedule.metadata);
    await cancelOrphanedRuns(schedule, runs, described);
    const views = runs.map(viewOf);
    await trimHistory(schedule, views);
    const kept = new Set(runsBeyondHistoryLimits(views, { successful: schedule.spec.successfulRunsHistoryLimit, failed: schedule.spec.failedRunsHistoryLimit }).map((r) => r.uid));
    const status = readyStatus(schedule, target, described, views.filter((r) => !kept.has(r.uid) && !r.deleting), appliedSuspend, now());
    // A spec Temporal refused stays reported until the spec changes; the rest of the status follows the Schedule.
    await writeStatus(schedule, refusedThisGeneration ? { ...status, conditions: schedule.status?.conditions ?? [] } : status);
    return { requeueAfterMs: resyncMs };
  }

  /** The uid of the OrchestrationSchedule of that name now, from the apiserver; undefined when there is none. */
  async function currentUid(namespace: string, name: string): Promise<string | undefined> {
    try {
      const got = (await objects.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_SCHEDULE_PLURAL, namespace, name })) as { metadata?: { uid?: string } };
      return got.metadata?.uid;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  return { reconcile, currentUid };
}
