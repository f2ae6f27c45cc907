/** Rows about the DAG's shape: per-step overhead of a long chain, a wide fan-out, and the largest DAG that completes. */
import { API_GROUP, API_VERSION, ORCHESTRATION_RUN_PLURAL, workflowIdFor, type Step } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { sleepChain } from '../bench-sandbox.js';
import { NAMESPACE, type Harness } from '../harness.js';
import { mean, ms, round, type Row } from '../report.js';
import type { Sizes } from '../sizes.js';

const MIB = 2 ** 20;
const fanOutSteps = (n: number): Step[] => Array.from({ length: n }, (_, i) => ({ name: `s${i}`, dependsOn: [], activity: { name: 'sleep', input: { seconds: 0 } } }));

export async function stepOverheadRow(h: Harness, sizes: Sizes): Promise<Row> {
  const s = sizes.chainSteps;
  // The work of a step is its sleep: 0 s. What a run takes beyond it is overhead.
  const work = 0;
  const wall: { raw: number[]; bridge: number[] } = { raw: [], bridge: [] };
  for (let i = 0; i < sizes.chainRuns; i++) {
    wall.raw.push((await h.block('step-overhead', 'raw', `run ${i}`, 1, () => h.runRaw('rawChain', [s], `raw-chain-${i}`), async () => ({ historyEvents: await h.historyEvents(`raw-chain-${i}`) }))).result);
    wall.bridge.push((await h.block('step-overhead', 'bridge', `run ${i}`, 1, () => h.runBridge(`chain-${i}`, sleepChain(s)))).result);
  }
  const raw = (mean(wall.raw) - work) / s;
  const bridge = (mean(wall.bridge) - work) / s;
  const value = bridge / raw;
  return {
    id: 'step-overhead',
    ratio: `per-step overhead (wall − work) ÷ S, ${s}-step chain of sleep 0, bridge ÷ raw`,
    raw: `${raw.toFixed(1)} ms/step`,
    bridge: `${bridge.toFixed(1)} ms/step`,
    value,
    unit: '',
    goal: '≤ 1.2',
    met: value <= 1.2,
    method: `${sizes.chainRuns} run(s) of each side, alternating, one at a time; wall = start → result (raw rawChain) or CR created → Succeeded seen (bridge); work = the steps' sleep, 0 s; mean wall ÷ S`,
    detail: { wallMs: wall },
  };
}

export async function fanOutRow(h: Harness, sizes: Sizes): Promise<Row> {
  const n = sizes.fanOut;
  const raw = (await h.block('fan-out', 'raw', `${n} wide`, 1, () => h.runRaw('rawFanOut', [n], 'raw-fanout'), async () => ({ historyEvents: await h.historyEvents('raw-fanout') }))).result;
  const { result: bridge, record } = await h.block(
    'fan-out',
    'bridge',
    `${n} wide`,
    1,
    async () => {
      const { at, uid } = await h.createRun('fanout', fanOutSteps(n));
      return { ms: (await h.phases.seenIn('fanout', 'Succeeded')) - at, workflowId: workflowIdFor({ namespace: NAMESPACE, name: 'fanout', uid }) };
    },
    async ({ workflowId }) => ({ historyEvents: await h.historyEvents(workflowId) }),
  );
  const value = bridge.ms / raw;
  return {
    id: 'fan-out',
    ratio: `${n}-wide fan-out of sleep 0, bridge ÷ raw wall time`,
    raw: ms(raw),
    bridge: `${ms(bridge.ms)}, ${String(record.extra?.historyEvents)} history events`,
    value,
    unit: '',
    goal: '≤ 1.2',
    met: value <= 1.2,
    method: 'one run of each side: raw rawFanOut (Promise.all of n activities) start → result; bridge CR of n steps with dependsOn: [] created → Succeeded seen',
  };
}

/** The largest chain and fan-out: do they complete, and how big is the status they leave on the CR? */
export async function largestDagRows(h: Harness, sizes: Sizes): Promise<Row[]> {
  const n = sizes.largestSteps;
  const rows: Row[] = [];
  for (const [shape, steps] of [['chain', sleepChain(n)], ['fan-out', fanOutSteps(n)]] as const) {
    const name = `largest-${shape}`;
    const getRun = async () =>
      (await h.ctx.api.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_RUN_PLURAL, namespace: NAMESPACE, name })) as { metadata?: { managedFields?: unknown }; spec?: unknown; status?: { phase?: string; progress?: string } };
    const { result } = await h.block('largest-dag', 'bridge', `${shape} of ${n} steps`, 1, async () => {
      const { at, uid } = await h.createRun(name, steps);
      let done = false;
      const succeeded = h.phases.seenIn(name, 'Succeeded').then(
        (seen) => `Succeeded after ${((seen - at) / 1000).toFixed(1)} s`,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      // A run whose status writes fail stops showing progress: given up on after largestStallMs, not the whole timeout.
      let progress = '';
      let movedAt = Date.now();
      const stalled = waitFor(
        async () => {
          if (done) return 'done';
          const now = (await getRun()).status?.progress ?? '';
          if (now !== progress) [progress, movedAt] = [now, Date.now()];
          return Date.now() - movedAt >= sizes.largestStallMs ? `stalled at ${progress || 'no progress'}: unchanged for ${sizes.largestStallMs / 1000} s` : undefined;
        },
        { what: `${name} Succeeded`, timeoutMs: sizes.largestTimeoutMs, intervalMs: 5000 },
      ).catch(() => `not done after ${sizes.largestTimeoutMs / 1000} s`);
      const outcome = await Promise.race([succeeded, stalled]);
      done = true;
      await stalled;
      const run = await getRun();
      const historyEvents = await h.historyEvents(workflowIdFor({ namespace: NAMESPACE, name, uid }));
      const bytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x ?? {}));
      // etcd refuses a write over its request limit (1.5 MiB by default): spec, status and managedFields share it.
      return { outcome, completed: outcome.startsWith('Succeeded'), statusBytes: bytes(run.status), specBytes: bytes(run.spec), managedFieldsBytes: bytes(run.metadata?.managedFields), objectBytes: bytes(run), phase: run.status?.phase, historyEvents };
    });
    const fits = result.completed && result.statusBytes < MIB;
    rows.push({
      id: 'largest-dag',
      ratio: `largest DAG that completes with status < 1 MiB: ${shape} of ${n} steps`,
      raw: '—',
      bridge: `${result.outcome}; status ${(result.statusBytes / 1024).toFixed(0)} KiB, object ${(result.objectBytes / 1024).toFixed(0)} KiB`,
      value: fits ? n : 0,
      unit: 'steps',
      goal: '≥ 5,000 steps',
      met: fits && n >= 5000,
      method: `one run of ${n} steps of sleep 0 through the bridge, waited for up to ${sizes.largestTimeoutMs / 1000} s (given up on once status.progress has not moved for ${sizes.largestStallMs / 1000} s); the status's bytes as JSON on the CR read after it ended; value = ${n} when it completed with status < 1 MiB, else 0`,
      detail: { ...result, statusKiB: round(result.statusBytes / 1024, 1) },
    });
  }
  return rows;
}
