/** A sandbox of its own for a benchmark: CRDs installed, Kubernetes and Temporal clients ready, all stopped after. */
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { Client } from '@temporalio/client';
import { connectTemporal } from '../common/temporal-connection.js';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { createController } from '../bridge/controller.js';
import { createMetrics, type BridgeMetrics } from '../bridge/metrics.js';
import { startSandbox } from '../sandbox/index.js';
import { guardChildren } from '../sandbox/process.js';
import { startReaper } from '../sandbox/reaper.js';
import type { FencePolicy } from '../activities/builtins/http-destinations.js';
import { DEFAULT_HTTP_FENCE_SETTINGS, httpFencePolicy } from '../worker/config.js';
import { createOrchestrationWorker } from '../worker/create-worker.js';
import { installCrds } from '../sandbox/kubernetes/apply.js';
import { runCommand } from '../test/support/run.js';
import type { Step } from '../core/index.js';
import { loadKubeConfig } from '../common/kube-config.js';

export interface BenchContext {
  kc: KubeConfig;
  api: CustomObjectsApi;
  client: Client;
  native: NativeConnection;
  /** Path of the sandbox's kubeconfig, for kubectl. */
  kubeconfig: string;
  /** host:port of the sandbox's Temporal, for processes the bench starts. */
  temporalAddress: string;
  /** The default fence of http steps around this sandbox's Temporal and Kubernetes. */
  httpFence: FencePolicy;
}

export async function withBenchSandbox(body: (ctx: BenchContext) => Promise<void>): Promise<void> {
  // A bench killed half-way (Ctrl-C, a test's timeout) leaves no servers behind: the reaper stops their groups.
  const reaper = startReaper(pino({ name: 'bench' }, pino.destination({ dest: 2, sync: true })));
  guardChildren(reaper);
  const sandbox = await startSandbox({ log: () => undefined }).catch(async (err: unknown) => {
    await reaper.close();
    throw err;
  });
  try {
    const { TEMPORAL_ADDRESS: address, KUBECONFIG: kubeconfig } = sandbox.env;
    await installCrds(kubeconfig);
    const kc = loadKubeConfig(kubeconfig);
    const native = await NativeConnection.connect({ address });
    const connection = await connectTemporal({ address });
    try {
      await body({ kc, api: kc.makeApiClient(CustomObjectsApi), client: new Client({ connection }), native, kubeconfig, temporalAddress: address, httpFence: httpFencePolicy(DEFAULT_HTTP_FENCE_SETTINGS, { temporalAddress: address, kubeConfig: kc }) });
    } finally {
      await connection.close();
      await native.close();
    }
  } finally {
    await sandbox.stop();
    await reaper.close();
  }
}

/** The bridge and a worker of this project on task queue `bench`, watching namespace `bench` (created here). */
export async function benchBridge(ctx: Pick<BenchContext, 'kc' | 'client' | 'native' | 'httpFence'>) {
  const { kc, native, httpFence } = ctx;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'bench' } } });
  const worker = await createOrchestrationWorker({ connection: native, namespace: 'default', taskQueue: 'bench', kubeConfig: kc, httpFence });
  const metrics = createMetrics();
  return { worker, controller: benchController(ctx, ['bench'], metrics), metrics };
}

/** An in-process bridge controller (not started) for task queue `bench`, watching `namespaces`. */
export function benchController({ kc, client }: Pick<BenchContext, 'kc' | 'client'>, namespaces: string[], metrics: BridgeMetrics) {
  return createController({
    kubeConfig: kc,
    client,
    settings: { temporalNamespace: 'default', taskQueue: 'bench', uiBaseUrl: '' },
    namespaces,
    identity: 'bench',
    logger: pino({ level: 'silent' }),
    metrics,
  });
}

/** The p-th percentile (nearest rank) of xs. */
export const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

/** A chain of `length` steps of `sleep 0`: s0 → s1 → …, each depending on the one before. */
export const sleepChain = (length: number): Step[] =>
  Array.from({ length }, (_, i) => ({ name: `s${i}`, ...(i > 0 ? { dependsOn: [`s${i - 1}`] } : {}), activity: { name: 'sleep', input: { seconds: 0 } } }));

/** The apiserver's apiserver_request_total, summed by `code verb resource[/subresource]`. */
export async function apiserverRequestCounts(kubeconfig: string): Promise<Map<string, number>> {
  const got = await runCommand('kubectl', ['get', '--raw', '/metrics'], { env: { ...process.env, KUBECONFIG: kubeconfig } });
  const counts = new Map<string, number>();
  for (const line of got.stdout.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels: Record<string, string> = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const key = `${labels.code ?? '?'} ${labels.verb ?? '?'} ${labels.resource || '-'}${labels.subresource ? `/${labels.subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.split(' ').at(-1)));
  }
  return counts;
}

/** What grew between two readings of apiserverRequestCounts. */
export function countsSince(before: Map<string, number>, after: Map<string, number>): [string, number][] {
  return [...after].map(([key, n]) => [key, n - (before.get(key) ?? 0)] as [string, number]).filter(([, n]) => n > 0);
}
