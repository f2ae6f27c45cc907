/** Worker entry point: wires config, Kubernetes and Temporal together, serves /metrics, runs until SIGINT/SIGTERM. */
import { KubeConfig } from '@kubernetes/client-node';
import { NativeConnection } from '@temporalio/worker';
import { createWorkerMetrics } from '../activities/metrics.js';
import { startHttpServer } from '../common/http-server.js';
import { loadWorkerConfig, SHORT_JOB_TTL_SECONDS } from './config.js';
import { createOrchestrationWorker } from './create-worker.js';

const log = (level: string, msg: string, fields: Record<string, unknown> = {}) => console.log(JSON.stringify({ level, msg, ...fields }));

let config;
try {
  config = loadWorkerConfig();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const metrics = createWorkerMetrics();
const connection = await NativeConnection.connect(config.connectionOptions);
const worker = await createOrchestrationWorker({
  connection,
  namespace: config.namespace,
  taskQueue: config.taskQueue,
  kubeConfig,
  jobTtlSeconds: config.jobTtlSeconds,
  maxConcurrentActivities: config.maxConcurrentActivities,
  metrics,
});
const server = await startHttpServer(config.httpPort, metrics.registry, () => Promise.resolve(worker.getState() === 'RUNNING'));
log('info', 'worker started', { taskQueue: config.taskQueue, namespace: config.namespace, jobTtlSecondsAfterFinished: config.jobTtlSeconds, maxConcurrentActivities: config.maxConcurrentActivities, httpPort: config.httpPort });
if (config.jobTtlSeconds < SHORT_JOB_TTL_SECONDS) {
  log('warn', `JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS=${config.jobTtlSeconds} is short: a finished Job may be deleted before its outcome is read (WorkflowJobMissing)`);
}
await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
server.close();
await connection.close();
