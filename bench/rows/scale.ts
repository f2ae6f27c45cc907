/**
 * Rows: scale out. Throughput of the bridge with one worker and with two polling the same task queue (the
 * second a process of its own, the built entry point as operators run it), and the bridge's start latency
 * when it watches one namespace and when it watches many.
 */
import { mkdtempSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { entryPointArgs } from '../../sandbox/entry-point.js';
import { ManagedProcess } from '../../sandbox/process.js';
import { waitFor } from '../../sandbox/wait.js';
import { percentile, sleepChain } from '../bench-sandbox.js';
import { NAMESPACE, type Harness } from '../harness.js';
import { mean, ms, round, type Row } from '../report.js';
import type { Sizes } from '../sizes.js';
import { saturate } from './latency.js';
import { processCpuSeconds } from '../process-cpu.js';

const STEPS = 3;
/** The task queue the harness's bridge starts workflows on and its in-process worker polls. */
const TASK_QUEUE = 'bench';

/** The built worker in a process of its own on the bench's task queue; resolves once it polls. */
async function startSecondWorker(h: Harness): Promise<ManagedProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-worker-'));
  const worker = new ManagedProcess({
    name: 'bench-scale-worker',
    command: process.execPath,
    args: entryPointArgs('worker'),
    logFile: join(dir, 'worker.log'),
    env: {
      ...process.env,
      KUBECONFIG: h.ctx.kubeconfig,
      TEMPORAL_ADDRESS: h.ctx.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      ORCHESTRATION_TASK_QUEUE: TASK_QUEUE,
      WORKER_HTTP_PORT: '0',
    },
  });
  try {
    await waitFor(() => (worker.logTail(50).includes('"worker started"') ? true : undefined), { what: 'the second worker process started', timeoutMs: 60_000, failIf: () => worker.exitMessage() });
  } catch (err) {
    await worker.stop();
    throw err;
  }
  return worker;
}

export async function scaleWorkersRow(h: Harness, sizes: Sizes): Promise<Row> {
  const steps = sleepChain(STEPS);
  const n = sizes.scaleRuns;
  const perSecond: Record<'1' | '2', number[]> = { '1': [], '2': [] };
  const cpuPerRun: Record<'1' | '2', number[]> = { '1': [], '2': [] };
  for (let r = 0; r < sizes.rounds; r++) {
    for (const workers of r % 2 === 0 ? (['1', '2'] as const) : (['2', '1'] as const)) {
      // Started before the block and stopped after it: its start-up is not measured, and it is gone for the one-worker blocks.
      const second = workers === '2' ? await startSecondWorker(h) : undefined;
      try {
        const cpuBefore = second ? processCpuSeconds(second.pid!) : 0;
        let workerCpu = 0;
        const { result, record } = await h.block(
          'scale-workers',
          'bridge',
          `${workers} worker(s), round ${r}`,
          n,
          async () => {
            const got = await saturate(n, sizes.scaleInFlight, (i) => h.runBridge(`scale-w${workers}-${r}-${i}`, steps));
            if (second) workerCpu = processCpuSeconds(second.pid!) - cpuBefore;
            return got;
          },
          (got) => ({ runsPerSecond: round(got), workers: Number(workers), ...(second ? { secondWorkerCpuSeconds: round(workerCpu) } : {}) }),
        );
        perSecond[workers].push(result);
        // The bench process (bridge, first worker) and every process it started (servers, the second worker).
        const cpu = record.cpuSeconds + Object.values(record.serverCpuSeconds).reduce((a, b) => a + b, 0);
        cpuPerRun[workers].push((cpu * 1000) / n);
      } finally {
        await second?.stop();
      }
    }
  }
  const one = mean(perSecond['1']);
  const two = mean(perSecond['2']);
  const value = two / one;
  const cpuMs = (w: '1' | '2') => `${mean(cpuPerRun[w]).toFixed(0)} ms CPU/run`;
  return {
    id: 'scale-workers',
    ratio: `bridge throughput, ${STEPS}-step chain of sleep 0: runs/s with two workers ÷ with one`,
    raw: '—',
    bridge: `1 worker ${one.toFixed(2)} runs/s (${cpuMs('1')}), 2 workers ${two.toFixed(2)} runs/s (${cpuMs('2')})`,
    value,
    unit: '',
    goal: '> 1 (throughput rises)',
    met: value > 1,
    method: `${sizes.rounds} round(s) of blocks in ABBA order, ${n} runs each with ${sizes.scaleInFlight} in flight; runs ÷ seconds from the first start to the last end (CR created → Succeeded seen); one worker: the harness's, in the bench process beside the bridge; two: that one and the built worker (node dist/bin/orchestration-bridge.js worker) in a process of its own on the same task queue, started before its block and stopped after. CPU/run counts every process of the sandbox. All on one machine: on ${os.cpus().length} cores the second worker competes for the same cores as the first, the bridge and the servers, so the ratio shows what a second process buys here, not what a second node would`,
    detail: { runsPerSecond: perSecond, cpuMsPerRun: { '1': cpuPerRun['1'].map((x) => round(x)), '2': cpuPerRun['2'].map((x) => round(x)) } },
  };
}

/** Namespaces the bridge watches besides the bench's: empty ones, so only the watching itself costs. */
const extraNamespaces = (count: number) => Array.from({ length: count - 1 }, (_, i) => `bench-scale-${i + 1}`);

export async function scaleNamespacesRow(h: Harness, sizes: Sizes): Promise<Row> {
  const steps = sleepChain(STEPS);
  const many = sizes.scaleNamespaces;
  const core = h.ctx.kc.makeApiClient(CoreV1Api);
  const extra = extraNamespaces(many);
  for (const name of extra) await core.createNamespace({ body: { metadata: { name } } });
  type Config = 'one' | 'many';
  const sequential: Record<Config, number[]> = { one: [], many: [] };
  const burst: Record<Config, number[]> = { one: [], many: [] };
  const toRunning = async (name: string) => {
    const { at } = await h.createRun(name, steps);
    // Running, or Succeeded when the run ended before its first status write.
    return (await h.phases.seenIn(name, ['Running', 'Succeeded'])) - at;
  };
  try {
    for (let r = 0; r < sizes.rounds; r++) {
      for (const config of r % 2 === 0 ? (['one', 'many'] as const) : (['many', 'one'] as const)) {
        const watched = config === 'one' ? [NAMESPACE] : [NAMESPACE, ...extra];
        await h.watchNamespaces(watched);
        const tag = `scale-ns${watched.length}-${r}`;
        await h.block('scale-namespaces', 'bridge', `${watched.length} namespace(s) watched, ${sizes.scaleStartRuns} runs one after the other, round ${r}`, sizes.scaleStartRuns, async () => {
          for (let i = 0; i < sizes.scaleStartRuns; i++) {
            sequential[config].push(await toRunning(`${tag}-seq-${i}`));
            await h.phases.seenIn(`${tag}-seq-${i}`, 'Succeeded');
          }
        });
        await h.block('scale-namespaces', 'bridge', `${watched.length} namespace(s) watched, burst of ${sizes.scaleBurstRuns}, round ${r}`, sizes.scaleBurstRuns, async () => {
          const names = Array.from({ length: sizes.scaleBurstRuns }, (_, i) => `${tag}-burst-${i}`);
          burst[config].push(...(await Promise.all(names.map(toRunning))));
          await Promise.all(names.map((name) => h.phases.seenIn(name, 'Succeeded')));
        });
      }
    }
  } finally {
    // The bench namespace alone again for the rows after this one; the empty namespaces go in the background.
    await h.watchNamespaces([NAMESPACE]);
    for (const name of extra) await core.deleteNamespace({ name });
  }
  const p = (xs: number[], q: number) => percentile(xs, q);
  const value = p(sequential.many, 50) / p(sequential.one, 50);
  const side = (c: Config) => `p50 ${ms(p(sequential[c], 50))}, p99 ${ms(p(sequential[c], 99))}; burst of ${sizes.scaleBurstRuns} p99 ${ms(p(burst[c], 99))}`;
  return {
    id: 'scale-namespaces',
    ratio: `the bridge's start latency (CR created → Running seen, p50) watching ${many} namespaces ÷ watching 1`,
    raw: '—',
    bridge: `1 namespace: ${side('one')}; ${many}: ${side('many')}`,
    value,
    unit: '',
    goal: '≤ 1.2 (does not grow)',
    met: value <= 1.2,
    method: `The in-process bridge stopped and started again watching the bench namespace alone, or it and ${many - 1} empty namespaces (an informer for runs and one for Orchestrations in each, the closed-workflow and orphan lists scoped to all); ${sizes.rounds} round(s) in ABBA order, each: ${sizes.scaleStartRuns} runs of a ${STEPS}-step chain of sleep 0 created one after the other (the next once the one before succeeded), then a burst of ${sizes.scaleBurstRuns} created at once; create request sent → phase Running (or Succeeded, when the run ended before its first status write) seen through a watch; ratio of the one-after-the-other p50s`,
    detail: {
      namespaces: many,
      sequentialMs: { one: { p50: p(sequential.one, 50), p99: p(sequential.one, 99) }, many: { p50: p(sequential.many, 50), p99: p(sequential.many, 99) } },
      burstMs: { one: { p50: p(burst.one, 50), p99: p(burst.one, 99) }, many: { p50: p(burst.many, 50), p99: p(burst.many, 99) } },
      burstP99Ratio: round(p(burst.many, 99) / p(burst.one, 99)),
    },
  };
}
