/** Rows: throughput at saturation, one run at idle, and a burst of runs created at once. */
import { percentile, sleepChain } from '../bench-sandbox.js';
import { FIRST_ACTIVITY_PREFIX, RAW_TASK_QUEUE, type Harness, type Side } from '../harness.js';
import { mean, ms, round, type Row } from '../report.js';
import type { Sizes } from '../sizes.js';

const STEPS = 3;

/** Runs `one(i)` for i < n with `width` in flight; returns runs per second from the first start to the last end. */
export async function saturate(n: number, width: number, one: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await one(next++);
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

export async function throughputRow(h: Harness, sizes: Sizes): Promise<Row> {
  const steps = sleepChain(STEPS);
  const runsPerSecond: Record<Side, number[]> = { raw: [], bridge: [] };
  for (let r = 0; r < sizes.rounds; r++) {
    const order: Side[] = r % 2 === 0 ? ['raw', 'bridge'] : ['bridge', 'raw'];
    for (const side of order) {
      const { result } = await h.block('throughput', side, `round ${r}`, sizes.throughputRuns, () =>
        saturate(sizes.throughputRuns, sizes.inFlight, (i) => (side === 'raw' ? h.runRaw('rawChain', [STEPS], `raw-tp-${r}-${i}`) : h.runBridge(`tp-${r}-${i}`, steps))),
        (perSecond) => ({ runsPerSecond: round(perSecond) }),
      );
      runsPerSecond[side].push(result);
    }
  }
  const raw = mean(runsPerSecond.raw);
  const bridge = mean(runsPerSecond.bridge);
  const value = bridge / raw;
  return {
    id: 'throughput',
    ratio: `throughput at saturation, ${STEPS}-step chain of sleep 0: bridge runs/s ÷ raw runs/s`,
    raw: `${raw.toFixed(2)} runs/s`,
    bridge: `${bridge.toFixed(2)} runs/s`,
    value,
    unit: '',
    goal: '≥ 0.8',
    met: value >= 0.8,
    method: `${sizes.rounds} round(s) of blocks in ABBA order, ${sizes.throughputRuns} runs each with ${sizes.inFlight} in flight; runs ÷ seconds from the first start to the last end (raw: client.workflow.execute of rawChain; bridge: CR created → Succeeded seen through a watch); mean of the blocks`,
    detail: { runsPerSecond },
  };
}

export async function idleRow(h: Harness, sizes: Sizes): Promise<Row> {
  const steps = sleepChain(STEPS);
  const times: Record<Side, number[]> = { raw: [], bridge: [] };
  // One block: raw and bridge runs alternate one at a time, so both see the same host.
  await h.block('idle', 'bridge', `${sizes.idleRuns} raw and ${sizes.idleRuns} bridge runs, alternating`, sizes.idleRuns, async () => {
    for (let i = 0; i < sizes.idleRuns; i++) {
      times.raw.push(await h.runRaw('rawChain', [STEPS], `raw-idle-${i}`));
      times.bridge.push(await h.runBridge(`idle-${i}`, steps));
    }
  });
  const raw = percentile(times.raw, 50);
  const bridge = percentile(times.bridge, 50);
  const value = bridge / raw;
  return {
    id: 'idle',
    ratio: 'one run at idle: CR created → Succeeded seen ÷ raw start → result (p50)',
    raw: ms(raw),
    bridge: ms(bridge),
    value,
    unit: '',
    goal: '≤ 1.5',
    met: value <= 1.5,
    method: `${sizes.idleRuns} runs of each side, one at a time and alternating, nothing else in flight; ${STEPS}-step chain of sleep 0; p50 of each side`,
    detail: { ms: times },
  };
}

export async function burstRow(h: Harness, sizes: Sizes): Promise<Row> {
  const n = sizes.burstRuns;
  const steps = sleepChain(STEPS);
  const { client } = h.ctx;
  // Raw: n workflows started at once; start call sent → its first activity began (seen in the activity).
  const { result: raw } = await h.block('burst', 'raw', `${n} started at once`, n, async () => {
    const tag = Date.now().toString(36);
    const started = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const workflowId = `${FIRST_ACTIVITY_PREFIX}${tag}-${i}`;
        const at = Date.now();
        const handle = await client.workflow.start('rawChain', { taskQueue: RAW_TASK_QUEUE, workflowId, args: [STEPS] });
        return { handle, at, startCallMs: Date.now() - at };
      }),
    );
    await Promise.all(started.map(({ handle }) => handle.result()));
    const latencies = started.map(({ handle, at }) => h.firstActivity.get(handle.workflowId)! - at);
    h.firstActivity.clear();
    return { latencies, startCallMs: started.map((s) => s.startCallMs) };
  });
  const rawMs = raw.latencies;
  // Bridge: n CRs created at once; create sent → phase Running (or a later one, if the first status write
  // came after the run ended) seen through the watch.
  const { result: bridgeMs } = await h.block('burst', 'bridge', `${n} created at once`, n, async () => {
    const latencies = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const name = `burst-${i}`;
        const { at } = await h.createRun(name, steps);
        return (await h.phases.seenIn(name, ['Running', 'Succeeded'])) - at;
      }),
    );
    await Promise.all(Array.from({ length: n }, (_, i) => h.phases.seenIn(`burst-${i}`, 'Succeeded')));
    return latencies;
  });
  const rawP99 = percentile(rawMs, 99);
  const p99 = percentile(bridgeMs, 99);
  return {
    id: 'burst',
    ratio: `burst of ${n} runs: CR created → Running seen, p99 (and ÷ raw start p99)`,
    raw: `p50 ${ms(percentile(rawMs, 50))}, p99 ${ms(rawP99)}`,
    bridge: `p50 ${ms(percentile(bridgeMs, 50))}, p99 ${ms(p99)} (${(p99 / rawP99).toFixed(1)} × raw)`,
    value: p99 / 1000,
    unit: 's',
    goal: '≤ 5 s, and ≤ 3 × raw start p99',
    met: p99 <= 5000 && p99 <= 3 * rawP99,
    method: `${n} runs of a ${STEPS}-step chain of sleep 0 on each side, all sent at once. Bridge: create request sent → phase Running (or Succeeded, when the run ended before its first status write) seen through a watch. Raw counterpart: client.workflow.start sent → the workflow's first activity began (noted inside the activity), the closest raw event to "the workflow runs and did its first piece of work"; the start call alone (sent → answered) is in the detail`,
    // The start call alone (sent → answered: the workflow exists) is the other raw counterpart one could pick.
    detail: { p99RatioToRaw: round(p99 / rawP99), rawMs: { p50: percentile(rawMs, 50), p99: rawP99 }, rawStartCallMs: { p50: percentile(raw.startCallMs, 50), p99: percentile(raw.startCallMs, 99) }, bridgeMs: { p50: percentile(bridgeMs, 50), p99 } },
  };
}
