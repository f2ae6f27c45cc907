/**
 * Row: an OrchestrationSchedule firing every N seconds for M minutes misses no firing and duplicates none.
 * The expected firings are the interval's multiples (Temporal aligns intervals to the epoch) from the first
 * firing to the last one before the schedule was suspended; each must have exactly one run, named after it,
 * and Temporal's own count of actions taken must equal the runs made.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, ORCHESTRATION_PLURAL, ORCHESTRATION_RUN_PLURAL, ORCHESTRATION_SCHEDULE_PLURAL, ScheduleAnnotations, ScheduleLabels, scheduleIdFor } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { percentile } from '../bench-sandbox.js';
import { NAMESPACE, type Harness } from '../harness.js';
import { round, type Row } from '../report.js';
import type { Sizes } from '../sizes.js';

const NAME = 'bench-every';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface RunItem {
  metadata: { name: string; creationTimestamp: string; annotations?: Record<string, string> };
  status?: { phase?: string };
}

export async function scheduleFiringsRow(h: Harness, sizes: Sizes): Promise<Row> {
  const { api, client } = h.ctx;
  const intervalMs = sizes.scheduleIntervalSeconds * 1000;
  // SCHEDULE_BENCH_MINUTES shortens (or lengthens) the window, e.g. to see that the row works.
  const minutes = Number(process.env.SCHEDULE_BENCH_MINUTES ?? sizes.scheduleMinutes);
  const ref = (plural: string) => ({ group: API_GROUP, version: API_VERSION, plural, namespace: NAMESPACE });
  await api.createNamespacedCustomObject({
    ...ref(ORCHESTRATION_PLURAL),
    body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'Orchestration', metadata: { name: NAME }, spec: { steps: [{ name: 'tick', activity: { name: 'sleep', input: { seconds: 0 } } }] } },
  });
  const created = (await api.createNamespacedCustomObject({
    ...ref(ORCHESTRATION_SCHEDULE_PLURAL),
    body: {
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: 'OrchestrationSchedule',
      metadata: { name: NAME },
      spec: { interval: `${sizes.scheduleIntervalSeconds}s`, orchestrationRef: { name: NAME }, successfulRunsHistoryLimit: 1000, failedRunsHistoryLimit: 1000 },
    },
  })) as { metadata: { uid: string } };
  const startedAt = Date.now();
  console.log(`schedule every ${sizes.scheduleIntervalSeconds}s for ${minutes} min`);
  await waitFor(() => (Date.now() - startedAt >= minutes * 60_000 ? true : undefined), { what: 'the schedule window', timeoutMs: minutes * 60_000 + 60_000, intervalMs: 1000 });
  await api.patchNamespacedCustomObject({ ...ref(ORCHESTRATION_SCHEDULE_PLURAL), name: NAME, body: { spec: { suspend: true } } }, merge);
  const scheduleId = scheduleIdFor({ namespace: NAMESPACE, name: NAME, uid: created.metadata.uid });
  const handle = client.schedule.getHandle(scheduleId);
  await waitFor(async () => ((await handle.describe()).state.paused ? true : undefined), { what: 'schedule paused', timeoutMs: 60_000 });
  const pausedAt = Date.now();
  const listRuns = async () => ((await api.listNamespacedCustomObject({ ...ref(ORCHESTRATION_RUN_PLURAL), labelSelector: `${ScheduleLabels.schedule}=${NAME}` })) as { items: RunItem[] }).items;
  const runs = await waitFor(
    async () => {
      const items = await listRuns();
      return items.every((r) => r.status?.phase === 'Succeeded') ? items : undefined;
    },
    { what: 'every run of the schedule Succeeded', timeoutMs: 300_000, intervalMs: 1000 },
  );
  const described = await handle.describe();
  const taken = described.info.numActionsTaken;

  const times = runs.map((r) => Date.parse(r.metadata.annotations?.[ScheduleAnnotations.scheduledTime] ?? '')).sort((a, b) => a - b);
  const distinct = new Set(times);
  const first = times[0] ?? startedAt;
  const last = Math.floor(pausedAt / intervalMs) * intervalMs;
  // The firings due from the first to the last before the pause was seen; one at the very edge may not have fired.
  const expected: number[] = [];
  for (let t = first; t <= last; t += intervalMs) expected.push(t);
  const missed = expected.filter((t) => !distinct.has(t) && t < pausedAt - intervalMs);
  const duplicates = runs.length - distinct.size + Math.max(0, taken - runs.length);
  const lateness = runs.map((r) => Date.parse(r.metadata.creationTimestamp) - Date.parse(r.metadata.annotations?.[ScheduleAnnotations.scheduledTime] ?? ''));
  const firstLate = first - startedAt;
  await api.deleteNamespacedCustomObject({ ...ref(ORCHESTRATION_SCHEDULE_PLURAL), name: NAME });
  await api.deleteNamespacedCustomObject({ ...ref(ORCHESTRATION_PLURAL), name: NAME });
  return {
    id: 'schedule-firings',
    ratio: `a schedule firing every ${sizes.scheduleIntervalSeconds} s for ${minutes} min: firings missed + duplicated`,
    raw: '—',
    bridge: `${runs.length} runs for ${expected.length} firings due; Temporal took ${taken}; skipped for overlap ${described.info.numActionsSkippedOverlap}; run created − scheduled p50 ${round(percentile(lateness, 50) / 1000, 1)} s, max ${round(Math.max(...lateness) / 1000, 1)} s`,
    value: missed.length + duplicates,
    unit: '',
    goal: '0',
    met: missed.length === 0 && duplicates === 0,
    method: 'one Orchestration of one `sleep 0` step; the schedule suspended after the window; each run is named after its scheduled time, so a duplicate shows as Temporal taking more actions than there are runs',
    detail: { runs: runs.length, due: expected.length, taken, missed: missed.map((t) => new Date(t).toISOString()), duplicates, firstFiringAfterCreateMs: firstLate, latenessMs: { p50: percentile(lateness, 50), p99: percentile(lateness, 99) } },
  };
}
