/** A sandbox of its own for a benchmark: CRDs installed, Kubernetes and Temporal clients ready, all stopped after. */
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { createController } from '../bridge/controller.js';
import { createMetrics } from '../bridge/metrics.js';
import { startSandbox } from '../sandbox/index.js';
import type { FencePolicy } from '../activities/builtins/http-destinations.js';
import { DEFAULT_HTTP_FENCE_SETTINGS, httpFencePolicy } from '../worker/config.js';
import { createOrchestrationWorker } from '../worker/create-worker.js';
import { installCrds } from '../sandbox/kubernetes/apply.js';

export interface BenchContext {
  kc: KubeConfig;
  api: CustomObjectsApi;
  client: Client;
  native: NativeConnection;
  /** Path of the sandbox's kubeconfig, for kubectl. */
  kubeconfig: string;
  /** The default fence of http steps around this sandbox's Temporal and Kubernetes. */
  httpFence: FencePolicy;
}

export async function withBenchSandbox(body: (ctx: BenchContext) => Promise<void>): Promise<void> {
  const sandbox = await startSandbox({ log: () => undefined });
  try {
    const { TEMPORAL_ADDRESS: address, KUBECONFIG: kubeconfig } = sandbox.env;
    await installCrds(kubeconfig);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const native = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    try {
      await body({ kc, api: kc.makeApiClient(CustomObjectsApi), client: new Client({ connection }), native, kubeconfig, httpFence: httpFencePolicy(DEFAULT_HTTP_FENCE_SETTINGS, { temporalAddress: address, kubeConfig: kc }) });
    } finally {
      await connection.close();
      await native.close();
    }
  } finally {
    await sandbox.stop();
  }
}

/** The bridge and a worker of this project on task queue `bench`, watching namespace `bench` (created here). */
export async function benchBridge({ kc, client, native, httpFence }: Pick<BenchContext, 'kc' | 'client' | 'native' | 'httpFence'>) {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'bench' } } });
  const worker = await createOrchestrationWorker({ connection: native, namespace: 'default', taskQueue: 'bench', kubeConfig: kc, httpFence });
  const metrics = createMetrics();
  const controller = createController({
    kubeConfig: kc,
    client,
    settings: { temporalNamespace: 'default', taskQueue: 'bench', uiBaseUrl: '' },
    namespaces: ['bench'],
    identity: 'bench',
    logger: pino({ level: 'silent' }),
    metrics,
  });
  return { worker, controller, metrics };
}
