/** A sandbox of its own for a benchmark: CRDs installed, Kubernetes and Temporal clients ready, all stopped after. */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { startSandbox } from '../sandbox/index.js';
import { installCrds } from '../sandbox/kubernetes/apply.js';

export interface BenchContext {
  kc: KubeConfig;
  api: CustomObjectsApi;
  client: Client;
  native: NativeConnection;
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
      await body({ kc, api: kc.makeApiClient(CustomObjectsApi), client: new Client({ connection }), native });
    } finally {
      await connection.close();
      await native.close();
    }
  } finally {
    await sandbox.stop();
  }
}
