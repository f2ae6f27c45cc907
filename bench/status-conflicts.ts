/**
 * bench: 409 Conflicts on OrchestrationRuns in a burst. N runs (default 300) of a 3-step chain of sleep 0,
 * created 20 at a time through the apiserver, run by the bridge and a worker of this project; the
 * apiserver's own request counter says how many writes to OrchestrationRuns were answered 409.
 * Usage: npx tsx bench/status-conflicts.ts [runs]
 */
import { waitFor } from '../sandbox/wait.js';
import { apiserverRequestCounts, benchBridge, countsSince, sleepChain, withBenchSandbox } from './bench-sandbox.js';

const N = Number(process.argv[2] ?? 300);
const BATCH = 20;
const steps = sleepChain(3);

/** apiserver_request_total for orchestrationruns, by code, verb and subresource. */
const runRequests = async (kubeconfig: string) => new Map([...(await apiserverRequestCounts(kubeconfig))].filter(([key]) => key.split(' ')[2]!.startsWith('orchestrationruns')));

await withBenchSandbox(async (ctx) => {
  const { api, kubeconfig } = ctx;
  const { worker, controller } = await benchBridge(ctx);
  await worker.runUntil(async () => {
    await controller.start();
    const before = await runRequests(kubeconfig);
    const started = Date.now();
    for (let i = 0; i < N; i += BATCH) {
      await Promise.all(
        Array.from({ length: Math.min(BATCH, N - i) }, (_, j) =>
          api.createNamespacedCustomObject({
            group: 'orchestration.proompteng.ai', version: 'v1alpha1', plural: 'orchestrationruns', namespace: 'bench',
            body: { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name: `burst-${i + j}` }, spec: { steps } },
          }),
        ),
      );
    }
    // Every run ended; a run that Failed here failed for the infrastructure's sake (all steps are sleep 0).
    const phases = await waitFor(
      async () => {
        const runs = (await api.listNamespacedCustomObject({ group: 'orchestration.proompteng.ai', version: 'v1alpha1', plural: 'orchestrationruns', namespace: 'bench' })) as { items: { status?: { phase?: string } }[] };
        const ended = runs.items.filter((r) => ['Succeeded', 'Failed', 'Cancelled'].includes(r.status?.phase ?? ''));
        if (ended.length < N) return undefined;
        return ended.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status!.phase!]: (acc[r.status!.phase!] ?? 0) + 1 }), {});
      },
      { what: `all ${N} runs ended`, timeoutMs: 1_800_000, intervalMs: 1000 },
    );
    const seconds = (Date.now() - started) / 1000;
    const after = await runRequests(kubeconfig);
    const delta = countsSince(before, after);
    const conflicts = delta.filter(([key]) => key.startsWith('409 ')).reduce((sum, [, n]) => sum + n, 0);
    const writes = delta.filter(([key]) => /^\d+ (PATCH|UPDATE|APPLY) /.test(key)).reduce((sum, [, n]) => sum + n, 0);
    console.log(`runs=${N} (3-step chain of sleep 0, created ${BATCH} at a time), all ended after ${seconds.toFixed(1)} s: ${JSON.stringify(phases)}`);
    console.log(`409 Conflicts on orchestrationruns: ${conflicts} (${((conflicts / N) * 1000).toFixed(0)} per 1,000 runs)`);
    console.log(`writes to orchestrationruns per run: ${(writes / N).toFixed(2)}`);
    for (const [key, n] of delta.sort()) console.log(`  ${key}: ${n}`);
    await controller.stop();
  });
});
