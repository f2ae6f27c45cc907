/** Worker entry point: wires config, Kubernetes and Temporal together, runs until SIGINT/SIGTERM. */
import { KubeConfig } from '@kubernetes/client-node';
import { NativeConnection } from '@temporalio/worker';
import { loadWorkerConfig } from './config.js';
import { createOrchestrationWorker } from './create-worker.js';

let config;
try {
  config = loadWorkerConfig();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const connection = await NativeConnection.connect(config.connectionOptions);
const worker = await createOrchestrationWorker({ connection, namespace: config.namespace, taskQueue: config.taskQueue, kubeConfig });
console.log(JSON.stringify({ level: 'info', msg: 'worker started', taskQueue: config.taskQueue, namespace: config.namespace }));
await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
await connection.close();
