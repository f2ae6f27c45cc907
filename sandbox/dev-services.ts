/** What `npm run dev` runs beside the servers: a worker and the bridge, in-process, logging to files. */
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { createController } from '../bridge/controller.js';
import { createMetrics } from '../bridge/metrics.js';
import { DEFAULT_TASK_QUEUE } from '../core/index.js';
import { createOrchestrationWorker } from '../worker/create-worker.js';
import type { SandboxEnv } from './index.js';

export interface DevServices {
  stop(): Promise<void>;
}

export async function startDevServices(env: SandboxEnv, logsDir: string): Promise<DevServices> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(env.KUBECONFIG);
  const native = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await createOrchestrationWorker({ connection: native, namespace: env.TEMPORAL_NAMESPACE, taskQueue: DEFAULT_TASK_QUEUE, kubeConfig });
  const workerDone = worker.run();
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const controller = createController({
    kubeConfig,
    client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }),
    settings: { temporalNamespace: env.TEMPORAL_NAMESPACE, taskQueue: DEFAULT_TASK_QUEUE, uiBaseUrl: env.TEMPORAL_UI_URL },
    namespaces: [],
    identity: 'dev-bridge',
    logger: pino({ name: 'orchestration-bridge' }, pino.destination({ dest: join(logsDir, 'bridge.log'), sync: false })),
    metrics: createMetrics(),
  });
  await controller.start();
  return {
    async stop() {
      await controller.stop();
      worker.shutdown();
      await workerDone;
      await connection.close();
      await native.close();
    },
  };
}
