/**
 * bench: cancel latency. Ours: spec.cancel patched on a running run → the run's phase is Cancelled on the
 * CR (its step stopped, the workflow closed its status), through the bridge and the worker. Temporal's own,
 * in the same sandbox: handle.cancel() → the running activity saw the cancellation (heartbeat timeout 2 s
 * in both). N runs each (default 50), cancelled one after the other.   Usage: npx tsx bench/cancel-latency.ts [runs]
 */
import { fileURLToPath } from 'node:url';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { waitFor } from '../sandbox/wait.js';
import { benchBridge, percentile, withBenchSandbox } from './bench-sandbox.js';

const N = Number(process.argv[2] ?? 50);
const runs = { group: 'orchestration.proompteng.ai', version: 'v1alpha1', plural: 'orchestrationruns', namespace: 'bench' };

await withBenchSandbox(async ({ kc, api, client, native, httpFence }) => {
  const { worker: ours, controller } = await benchBridge({ kc, client, native, httpFence });
  const sawCancel = new Map<string, number>();
  const raw = await Worker.create({
    connection: native,
    taskQueue: 'bench-raw',
    workflowsPath: fileURLToPath(new URL('./raw-workflows.ts', import.meta.url)),
    activities: {
      async waitForCancel() {
        const ctx = Context.current();
        const ticker = setInterval(() => ctx.heartbeat(), 500);
        try {
          await ctx.cancelled;
        } catch (err) {
          sawCancel.set(ctx.info.workflowExecution?.workflowId ?? '', Date.now());
          throw err;
        } finally {
          clearInterval(ticker);
        }
      },
    },
  });
  const phaseOf = async (name: string) => ((await api.getNamespacedCustomObject({ ...runs, name })) as { status?: { phase?: string; steps?: { phase: string }[] } }).status;

  await ours.runUntil(
    raw.runUntil(async () => {
      await controller.start();
      const names = Array.from({ length: N }, (_, i) => `run-${i}`);
      for (const name of names) {
        await api.createNamespacedCustomObject({
          ...runs,
          body: { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name }, spec: { steps: [{ name: 'wait', activity: { name: 'sleep', input: { seconds: 3600 } } }] } },
        });
      }
      const oursMs: number[] = [];
      for (const name of names) {
        await waitFor(async () => ((await phaseOf(name))?.steps?.[0]?.phase === 'Running' ? true : undefined), { what: `${name} running`, timeoutMs: 120_000, intervalMs: 100 });
        const at = Date.now();
        await api.patchNamespacedCustomObject({ ...runs, name, body: { spec: { cancel: true } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
        await waitFor(async () => ((await phaseOf(name))?.phase === 'Cancelled' ? true : undefined), { what: `${name} Cancelled`, timeoutMs: 120_000, intervalMs: 20 });
        oursMs.push(Date.now() - at);
      }
      const rawMs: number[] = [];
      for (let i = 0; i < N; i++) {
        const workflowId = `raw-cancel-${i}-${Date.now()}`;
        const handle = await client.workflow.start('rawCancellable', { taskQueue: 'bench-raw', workflowId });
        // Cancel once the activity runs: its first heartbeat has reached the server.
        await waitFor(async () => ((await handle.describe()).raw.pendingActivities?.[0]?.lastHeartbeatTime ? true : undefined), { what: `${workflowId} heartbeating`, timeoutMs: 60_000, intervalMs: 50 });
        const at = Date.now();
        await handle.cancel();
        await waitFor(() => (sawCancel.has(workflowId) ? true : undefined), { what: `${workflowId} saw the cancel`, timeoutMs: 60_000, intervalMs: 10 });
        rawMs.push(sawCancel.get(workflowId)! - at);
        await handle.result().catch(() => undefined);
      }
      console.log(`runs=${N}`);
      console.log(`spec.cancel -> phase Cancelled (bridge + workflow): p50 ${percentile(oursMs, 50)} ms, p99 ${percentile(oursMs, 99)} ms`);
      console.log(`handle.cancel -> activity saw it (raw Temporal):   p50 ${percentile(rawMs, 50)} ms, p99 ${percentile(rawMs, 99)} ms`);
      console.log(`ratio p50 ${(percentile(oursMs, 50) / Math.max(1, percentile(rawMs, 50))).toFixed(2)}, p99 ${(percentile(oursMs, 99) / Math.max(1, percentile(rawMs, 99))).toFixed(2)}`);
      await controller.stop();
    }),
  );
});
