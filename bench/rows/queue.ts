/**
 * Row: a concurrency queue draining. An Orchestration with concurrency.max = L gets N runs at once; each run
 * past the first L waits Queued and must start as soon as a slot frees. The figure: for the j-th queued run to
 * start, the time from the j-th run ending (the slot it takes) to it being seen Running, both seen through one
 * watch. No raw counterpart: plain Temporal has no queue of workflow starts.
 */
import { API_GROUP, API_GROUP_VERSION, API_VERSION, ORCHESTRATION_KIND, ORCHESTRATION_PLURAL, ORCHESTRATION_RUN_KIND, ORCHESTRATION_RUN_PLURAL } from '../../core/index.js';
import { percentile } from '../bench-sandbox.js';
import { NAMESPACE, type Harness } from '../harness.js';
import { ms, round, type Row } from '../report.js';
import type { Sizes } from '../sizes.js';

/** The most intervals [start, end] that overlap at one moment. */
export function mostAtOnce(intervals: { start: number; end: number }[]): number {
  const edges = intervals.flatMap(({ start, end }) => [[start, 1] as const, [end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, delta] of edges) most = Math.max(most, (now += delta));
  return most;
}

/** Slot freed → next run started: the j-th queued start against the j-th end. */
export function slotDelays(starts: number[], ends: number[], limit: number): number[] {
  const s = [...starts].sort((a, b) => a - b);
  const e = [...ends].sort((a, b) => a - b);
  return s.slice(limit).map((start, j) => start - e[j]!);
}

export async function queueRow(h: Harness, sizes: Sizes): Promise<Row> {
  const { api } = h.ctx;
  const n = sizes.queueRuns;
  const limit = sizes.queueLimit;
  const orchestration = 'bench-queue';
  await api.createNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    plural: ORCHESTRATION_PLURAL,
    namespace: NAMESPACE,
    body: {
      apiVersion: API_GROUP_VERSION,
      kind: ORCHESTRATION_KIND,
      metadata: { name: orchestration },
      spec: { concurrency: { max: limit }, steps: [{ name: 'work', activity: { name: 'sleep', input: { seconds: sizes.queueStepSeconds } } }] },
    },
  });
  try {
    const { result } = await h.block('queue', 'bridge', `${n} runs, concurrency.max ${limit}, a ${sizes.queueStepSeconds} s step each`, n, async () => {
      const names = Array.from({ length: n }, (_, i) => `queue-${String(i).padStart(4, '0')}`);
      for (const name of names) {
        await api.createNamespacedCustomObject({
          group: API_GROUP,
          version: API_VERSION,
          plural: ORCHESTRATION_RUN_PLURAL,
          namespace: NAMESPACE,
          body: { apiVersion: API_GROUP_VERSION, kind: ORCHESTRATION_RUN_KIND, metadata: { name }, spec: { orchestrationRef: { name: orchestration } } },
        });
      }
      return Promise.all(names.map(async (name) => ({ start: await h.phases.seenIn(name, ['Running', 'Succeeded']), end: await h.phases.seenIn(name, 'Succeeded') })));
    });
    const delays = slotDelays(
      result.map((r) => r.start),
      result.map((r) => r.end),
      limit,
    );
    const p50 = percentile(delays, 50);
    const p99 = percentile(delays, 99);
    const most = mostAtOnce(result);
    return {
      id: 'queue',
      ratio: `concurrency.max ${limit}, ${n} runs queued: slot freed (a run seen Succeeded) → the next queued run seen Running`,
      raw: '—',
      bridge: `p50 ${ms(p50)}, p99 ${ms(p99)}; at most ${most} seen running at once`,
      value: p99 / 1000,
      unit: 's',
      goal: '≤ ~1 s (p99), never over the limit',
      met: p99 <= 1500 && most <= limit,
      method: `${n} runs of one Orchestration with concurrency.max ${limit}, created one after the other; each run is one sleep step of ${sizes.queueStepSeconds} s. Both moments are seen through one watch of the runs (phase Running as the workflow's first status write shows it). The j-th queued start is matched with the j-th end. "Seen running at once" counts overlapping [Running, Succeeded] intervals as the watch saw them, so it can read one high around a slot changing hands, never low`,
      detail: { p50Ms: round(p50), p99Ms: round(p99), maxMs: round(Math.max(...delays)), mostSeenRunning: most, queuedStarts: delays.length },
    };
  } finally {
    await api.deleteNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_PLURAL, namespace: NAMESPACE, name: orchestration });
  }
}
