/**
 * bench: a 1,000-step chain and a 1,000-wide fan-out, through orchestrationRunWorkflow (with status
 * written to a real CR) and as a raw Temporal workflow, on one sandbox in one run. Prints wall time,
 * history events and status writes, and our/raw ratios.   Usage: npx tsx bench/dag-scale.ts [steps]
 */
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { workflowIdFor, type RunSnapshot, type Step } from '../core/index.js';
import { withBenchSandbox } from './bench-sandbox.js';
import { createOrchestrationWorker } from '../worker/create-worker.js';

const N = Number(process.argv[2] ?? 1000);
await withBenchSandbox(async ({ kc, api, client, native, httpFence }) => {
  const ours = await createOrchestrationWorker({ connection: native, namespace: 'default', taskQueue: 'bench-ours', kubeConfig: kc, httpFence });
  const raw = await Worker.create({
    connection: native,
    taskQueue: 'bench-raw',
    workflowsPath: fileURLToPath(new URL('./raw-workflows.ts', import.meta.url)),
    activities: createActivities({ kubeConfig: kc, httpFence }),
  });

  const measure = async (handle: WorkflowHandle, started: number) => {
    const result = (await handle.result()) as { statusWrites?: number } | undefined;
    const ms = Date.now() - started;
    // Across continue-as-new: the events of every run of the chain.
    let events = 0;
    for await (const wf of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
      events += wf.historyLength;
    }
    return { ms, events, writes: result?.statusWrites ?? 0 };
  };
  const viaDag = async (label: string, steps: Step[]) => {
    const name = `bench-${label}-${Date.now()}`;
    const created = (await api.createNamespacedCustomObject({
      group: 'orchestration.proompteng.ai', version: 'v1alpha1', plural: 'orchestrationruns', namespace: 'default',
      body: { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name }, spec: { steps } },
    })) as { metadata: { uid: string } };
    const snapshot: RunSnapshot = { run: { namespace: 'default', name, uid: created.metadata.uid }, steps, parameters: {}, policy: { parallelism: 0, failFast: false }, writeStatus: true };
    const started = Date.now();
    const handle = await client.workflow.start('orchestrationRunWorkflow', { taskQueue: 'bench-ours', workflowId: workflowIdFor(snapshot.run), args: [{ snapshot }] });
    return measure(handle, started);
  };
  const viaRaw = async (workflow: 'rawChain' | 'rawFanOut') => {
    const started = Date.now();
    const handle = await client.workflow.start(workflow, { taskQueue: 'bench-raw', workflowId: `bench-${workflow}-${Date.now()}`, args: [N] });
    return measure(handle, started);
  };
  const sleep0 = (name: string, dependsOn?: string[]): Step => ({ name, ...(dependsOn ? { dependsOn } : {}), activity: { name: 'sleep', input: { seconds: 0 } } });
  const chain = Array.from({ length: N }, (_, i) => sleep0(`s${i}`));
  const fanOut = Array.from({ length: N }, (_, i) => sleep0(`s${i}`, []));

  await Promise.all([
    ours.runUntil(raw.runUntil(async () => {
      const rows = [
        ['chain', await viaDag('chain', chain), await viaRaw('rawChain')],
        ['fan-out', await viaDag('fanout', fanOut), await viaRaw('rawFanOut')],
      ] as const;
      console.log(`steps=${N}`);
      console.log('shape    | ours: wall ms, events, status writes | raw: wall ms, events | wall ratio ours/raw');
      for (const [shape, o, r] of rows) {
        console.log(`${shape.padEnd(8)} | ${o.ms} ms, ${o.events} events, ${o.writes} writes | ${r.ms} ms, ${r.events} events | ${(o.ms / r.ms).toFixed(2)}`);
      }
    })),
  ]);
});
