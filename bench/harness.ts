/**
 * The bench's two sides on one sandbox: *bridge* (OrchestrationRuns created through the apiserver, run by the
 * bridge and a worker of this project in this process, their phases seen through one watch) and *raw* (the
 * same activities in plain Temporal workflows of raw-workflows.ts, started with the client). Every measured
 * stretch is a block: its CPU, RSS and, for bridge blocks, apiserver requests are recorded, and after a
 * bridge block its runs are deleted so that no block pays for the cache of the one before.
 */
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { API_GROUP, API_GROUP_VERSION, API_VERSION, ORCHESTRATION_RUN_KIND, ORCHESTRATION_RUN_PLURAL, type Step } from '../core/index.js';
import { waitFor } from '../sandbox/wait.js';
import { apiserverRequestCounts, benchBridge, benchController, countsSince, percentile, type BenchContext } from './bench-sandbox.js';
import { round } from './report.js';
import { meterBlock, type BlockCost } from './block-meter.js';
import { probeQueue } from './queue-probe.js';
import { watchRunPhases } from './run-phase-watch.js';

export const NAMESPACE = 'bench';
export const RAW_TASK_QUEUE = 'bench-raw';
/** Raw workflows whose ids start so note when their first activity began (the burst's raw side). */
export const FIRST_ACTIVITY_PREFIX = 'raw-first-';

export type Side = 'raw' | 'bridge';

export interface BlockRecord extends BlockCost {
  row: string;
  side: Side;
  label: string;
  runs: number;
  /** Row-specific figures of the block (work-queue waits, ...). */
  extra?: Record<string, unknown>;
}

const runsOf = { group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_RUN_PLURAL };

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** Starts the bridge, our worker and the raw worker; `stop()` ends them. */
export async function startHarness(ctx: BenchContext) {
  const { kc, api, client, native, httpFence, kubeconfig } = ctx;
  const bridge = await benchBridge(ctx);
  const { worker: ours, metrics } = bridge;
  // The bridge may be swapped for one watching other namespaces (watchNamespaces): blocks read the current one.
  let controller = bridge.controller;
  let queueProbe = probeQueue(controller.queue);
  const firstActivity = new Map<string, number>();
  const sawCancel = new Map<string, number>();
  const activities = createActivities({ kubeConfig: kc, httpFence }) as Record<string, (input: unknown) => Promise<unknown>>;
  const sleep = activities.sleep;
  if (!sleep) throw new Error('createActivities has no sleep activity: the raw workflows need it');
  const raw = await Worker.create({
    connection: native,
    taskQueue: RAW_TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./raw-workflows.ts', import.meta.url)),
    activities: {
      ...activities,
      sleep(input: unknown) {
        const id = Context.current().info.workflowExecution?.workflowId ?? '';
        if (id.startsWith(FIRST_ACTIVITY_PREFIX) && !firstActivity.has(id)) firstActivity.set(id, Date.now());
        return sleep(input);
      },
      async waitForCancel() {
        const activity = Context.current();
        const ticker = setInterval(() => activity.heartbeat(), 500);
        try {
          await activity.cancelled;
        } catch (err) {
          sawCancel.set(activity.info.workflowExecution?.workflowId ?? '', Date.now());
          throw err;
        } finally {
          clearInterval(ticker);
        }
      },
    },
  });
  // Both workers poll until stop(); a worker that fails ends the block that is running (its runs would never end).
  let stopWorkers!: () => void;
  const workersStop = new Promise<void>((resolve) => (stopWorkers = resolve));
  const running = Promise.all([ours.runUntil(workersStop), raw.runUntil(workersStop)]);
  const workerFailed = running.then(
    () => new Promise<never>(() => undefined),
    (err: unknown) => Promise.reject(new Error(`a worker of the bench failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })),
  );
  workerFailed.catch(() => undefined); // reported by the block it ends
  await controller.start();
  const phases = await watchRunPhases(kc, NAMESPACE);
  const blocks: BlockRecord[] = [];

  /** The in-process bridge's counters (reconciles, Temporal reads, API writes by kind), by name{labels}. */
  const bridgeCounters = async () => {
    const out = new Map<string, number>();
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      if (!metric.name.endsWith('_total')) continue;
      for (const v of metric.values) out.set(`${metric.name}${Object.keys(v.labels).length > 0 ? JSON.stringify(v.labels) : ''}`, v.value);
    }
    return out;
  };
  const pct = (xs: number[], p: number) => (xs.length > 0 ? round(percentile(xs, p)) : null);
  const countsGrown = (before: Map<string, number>, after: Map<string, number>) => Object.fromEntries(countsSince(before, after).sort());

  /** Creates an OrchestrationRun; `at` is the moment (epoch ms) the create was sent. */
  async function createRun(name: string, steps: Step[], namespace = NAMESPACE): Promise<{ at: number; uid: string }> {
    const at = Date.now();
    const created = (await api.createNamespacedCustomObject({
      ...runsOf,
      namespace,
      body: { apiVersion: API_GROUP_VERSION, kind: ORCHESTRATION_RUN_KIND, metadata: { name }, spec: { steps } },
    })) as { metadata: { uid: string } };
    return { at, uid: created.metadata.uid };
  }

  /** Writes to OrchestrationRuns and Events so far: unchanged across two readings means the bridge settled. */
  const writesSoFar = async () =>
    [...(await apiserverRequestCounts(kubeconfig))].filter(([key]) => /^\d+ (POST|PUT|PATCH|APPLY|DELETE) (orchestrationruns|events)/.test(key)).reduce((sum, [, n]) => sum + n, 0);

  /** Deletes every run of the bench namespace and waits until the bridge released them all. */
  async function deleteRuns(): Promise<void> {
    await api.deleteCollectionNamespacedCustomObject({ ...runsOf, namespace: NAMESPACE });
    await waitFor(
      async () => (((await api.listNamespacedCustomObject({ ...runsOf, namespace: NAMESPACE, limit: 1 })) as { items: unknown[] }).items.length === 0 ? true : undefined),
      { what: `every run of namespace ${NAMESPACE} deleted`, timeoutMs: 600_000, intervalMs: 500 },
    );
    phases.forget();
  }

  return {
    ctx,
    /** The in-process bridge running now. */
    get controller() {
      return controller;
    },
    metrics,
    phases,
    blocks,
    firstActivity,
    sawCancel,
    createRun,
    /** Runs `steps` through the bridge; ms from the create to `Succeeded` seen. */
    async runBridge(name: string, steps: Step[]): Promise<number> {
      const { at } = await createRun(name, steps);
      return (await phases.seenIn(name, 'Succeeded')) - at;
    },
    /** Runs a workflow of raw-workflows.ts to its end; ms from the start call to its result. */
    async runRaw(workflow: string, args: unknown[], workflowId: string): Promise<number> {
      const at = performance.now();
      await client.workflow.execute(workflow, { taskQueue: RAW_TASK_QUEUE, workflowId, args });
      return performance.now() - at;
    },
    /** History events of a workflow, over every run of its continue-as-new chain. */
    async historyEvents(workflowId: string): Promise<number> {
      let events = 0;
      for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) events += wf.historyLength;
      return events;
    },
    /**
     * Measures `body` as one block of `row`. A bridge block also counts apiserver requests, waits until the
     * bridge has settled (no writes between two readings, queue empty) and then deletes its runs.
     */
    async block<T>(
      row: string,
      side: Side,
      label: string,
      runs: number,
      body: () => Promise<T>,
      /** Figures of the block read once it settled, before its runs are deleted. */
      extra?: (result: T, cost: BlockCost) => Promise<Record<string, unknown>> | Record<string, unknown>,
    ): Promise<{ result: T; record: BlockRecord }> {
      queueProbe.take();
      const countersBefore = await bridgeCounters();
      const end = await meterBlock({ kubeconfig, countRequests: side === 'bridge' });
      let result: T;
      try {
        result = await Promise.race([body(), workerFailed]);
      } catch (err) {
        await end().catch(() => undefined); // stops its sampler, or the process would never exit
        throw err;
      }
      if (side === 'bridge') {
        let last = -1;
        await waitFor(
          async () => {
            if (controller.queue.length > 0) return undefined;
            const now = await writesSoFar();
            const settled = now === last;
            last = now;
            return settled ? true : undefined;
          },
          { what: 'the bridge settled after a block', timeoutMs: 120_000, intervalMs: 500 },
        );
      }
      const cost = await end();
      const queue = queueProbe.take();
      const bridgeFigures =
        side === 'bridge' && queue.handles.length > 0
          ? {
              reconciles: queue.handles.length,
              queue: { maxLength: queue.maxLength, waitMsP50: pct(queue.waits, 50), waitMsP99: pct(queue.waits, 99), reconcileMsP50: pct(queue.handles, 50), reconcileMsP99: pct(queue.handles, 99) },
              bridgeCounters: countsGrown(countersBefore, await bridgeCounters()),
            }
          : {};
      const figures = { ...bridgeFigures, ...(await extra?.(result, cost)) };
      const record: BlockRecord = { row, side, label, runs, ...cost, ...(Object.keys(figures).length > 0 ? { extra: figures } : {}) };
      blocks.push(record);
      console.log(JSON.stringify(record));
      if (side === 'bridge') await deleteRuns();
      return { result, record };
    },
    /**
     * Stops the in-process bridge and starts another on the same metrics, watching `namespaces` (which must
     * include the bench namespace); resolves once its caches are filled. Call between blocks, no run alive.
     */
    async watchNamespaces(namespaces: string[]): Promise<void> {
      if (!namespaces.includes(NAMESPACE)) throw new Error(`watchNamespaces: ${namespaces.join(', ')} lacks the bench namespace ${NAMESPACE}`);
      await controller.stop();
      controller = benchController(ctx, namespaces, metrics);
      queueProbe = probeQueue(controller.queue);
      await controller.start();
    },
    async stop(): Promise<void> {
      phases.stop();
      await controller.stop();
      stopWorkers();
      await running;
    },
  };
}
