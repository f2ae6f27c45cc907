/**
 * bench: 409 Conflicts on OrchestrationRuns in a burst. N runs (default 300) of a 3-step chain of sleep 0,
 * created 20 at a time through the apiserver, run by the bridge and a worker of this project; the
 * apiserver's own request counter says how many writes to OrchestrationRuns were answered 409.
 * Usage: npx tsx bench/status-conflicts.ts [runs]
 */
import { runCommand } from '../test/support/run.js';
import { waitFor } from '../sandbox/wait.js';
import { benchBridge, withBenchSandbox } from './bench-sandbox.js';

const N = Number(process.argv[2] ?? 300);
const BATCH = 20;
const steps = ['a', 'b', 'c'].map((name, i) => ({ name, ...(i > 0 ? { dependsOn: [['a', 'b'][i - 1]!] } : {}), activity: { name: 'sleep', input: { seconds: 0 } } }));

/** apiserver_request_total for orchestrationruns, by code, verb and subresource. */
async function requestCounts(kubeconfig: string): Promise<Map<string, number>> {
  const got = await runCommand('kubectl', ['get', '--raw', '/metrics'], { env: { ...process.env, KUBECONFIG: kubeconfig } });
  const counts = new Map<string, number>();
  for (const line of got.stdout.split('\n')) {
    if (!line.startsWith('apiserver_request_total{') || !line.includes('resource="orchestrationruns"')) continue;
    const labels: Record<string, string> = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const key = `${labels.code ?? '?'} ${labels.verb ?? '?'} ${labels.subresource || '-'}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.split(' ').at(-1)));
  }
  return counts;
}

await withBenchSandbox(async (ctx) => {
  const { api, kubeconfig } = ctx;
  const { worker, controller } = await benchBridge(ctx);
  await worker.runUntil(async () => {
    await controller.start();
    const before = await requestCounts(kubeconfig);
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
    const after = await requestCounts(kubeconfig);
    const delta = [...after].map(([key, n]) => [key, n - (before.get(key) ?? 0)] as const).filter(([, n]) => n > 0);
    const conflicts = delta.filter(([key]) => key.startsWith('409 ')).reduce((sum, [, n]) => sum + n, 0);
    const writes = delta.filter(([key]) => /^\d+ (PATCH|UPDATE|APPLY) /.test(key)).reduce((sum, [, n]) => sum + n, 0);
    console.log(`runs=${N} (3-step chain of sleep 0, created ${BATCH} at a time), all ended after ${seconds.toFixed(1)} s: ${JSON.stringify(phases)}`);
    console.log(`409 Conflicts on orchestrationruns: ${conflicts} (${((conflicts / N) * 1000).toFixed(0)} per 1,000 runs)`);
    console.log(`writes to orchestrationruns per run: ${(writes / N).toFixed(2)}`);
    for (const [key, n] of delta.sort()) console.log(`  ${key}: ${n}`);
    await controller.stop();
  });
});
