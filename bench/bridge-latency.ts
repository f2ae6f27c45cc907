/**
 * bench: CR created → workflow started, over N runs (default 200) through the bridge, beside the same
 * number of direct client.workflow.start calls on the same sandbox; plus Kubernetes API writes per run.
 * Usage: npx tsx bench/bridge-latency.ts [runs]
 */
import { workflowIdFor } from '../core/index.js';
import { benchBridge, percentile, withBenchSandbox } from './bench-sandbox.js';
import { waitFor } from '../sandbox/wait.js';

const N = Number(process.argv[2] ?? 200);

await withBenchSandbox(async ({ kc, api, client, native, httpFence }) => {
  const { worker, controller, metrics } = await benchBridge({ kc, client, native, httpFence });
  await worker.runUntil(async () => {
    await controller.start();
    const created: { name: string; uid: string; at: number }[] = [];
    for (let i = 0; i < N; i++) {
      const name = `run-${i}`;
      const at = Date.now();
      const obj = (await api.createNamespacedCustomObject({
        group: 'orchestration.proompteng.ai', version: 'v1alpha1', plural: 'orchestrationruns', namespace: 'bench',
        body: { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name }, spec: { steps: [{ name: 'only', activity: { name: 'sleep', input: { seconds: 0 } } }] } },
      })) as { metadata: { uid: string } };
      created.push({ name, uid: obj.metadata.uid, at });
    }
    const ours: number[] = [];
    for (const run of created) {
      const started = await waitFor(
        async () => {
          try {
            return (await client.workflow.getHandle(workflowIdFor({ namespace: 'bench', name: run.name, uid: run.uid })).describe()).startTime.getTime();
          } catch {
            return undefined;
          }
        },
        { what: `workflow of ${run.name}`, timeoutMs: 120_000 },
      );
      ours.push(started - run.at);
    }
    await waitFor(async () => ((await api.listNamespacedCustomObject({ group: 'orchestration.proompteng.ai', version: 'v1alpha1', plural: 'orchestrationruns', namespace: 'bench' })) as { items: { status?: { phase?: string } }[] }).items.every((r) => r.status?.phase === 'Succeeded') ? true : undefined, { what: 'all runs Succeeded', timeoutMs: 300_000, intervalMs: 1000 });
    const raw: number[] = [];
    for (let i = 0; i < N; i++) {
      const at = Date.now();
      const handle = await client.workflow.start('orchestrationRunWorkflow', {
        taskQueue: 'bench',
        workflowId: `raw-${i}-${at}`,
        args: [{ snapshot: { run: { namespace: 'bench', name: `raw-${i}`, uid: `raw-${i}` }, steps: [{ name: 'only', activity: { name: 'sleep', input: { seconds: 0 } } }], parameters: {}, policy: { parallelism: 0, failFast: false }, writeStatus: false } }],
      });
      raw.push((await handle.describe()).startTime.getTime() - at);
    }
    const writes = (await metrics.apiWrites.get()).values;
    const total = writes.reduce((sum, v) => sum + v.value, 0);
    console.log(`runs=${N}`);
    console.log(`CR created -> workflow started (bridge): p50 ${percentile(ours, 50)} ms, p99 ${percentile(ours, 99)} ms`);
    console.log(`client.workflow.start -> started (raw):  p50 ${percentile(raw, 50)} ms, p99 ${percentile(raw, 99)} ms`);
    console.log(`ratio p50 ${(percentile(ours, 50) / Math.max(1, percentile(raw, 50))).toFixed(1)}, p99 ${(percentile(ours, 99) / Math.max(1, percentile(raw, 99))).toFixed(1)}`);
    console.log(`bridge API writes per run: ${(total / N).toFixed(2)} (${writes.map((v) => `${v.labels.kind}=${v.value}`).join(', ')}); the workflow's own status writes come on top`);
    await controller.stop();
  });
});
