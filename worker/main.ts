/** Worker entry point: wires config, Kubernetes and Temporal together, serves /metrics, runs until SIGINT/SIGTERM. */
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { createWorkerMetrics } from '../activities/metrics.js';
import { startHttpServer } from '../common/http-server.js';
import { httpFencePolicy, loadWorkerConfig, SHORT_JOB_TTL_SECONDS } from './config.js';
import { createOrchestrationWorker } from './create-worker.js';
import { entryPointWorkflowSource } from './workflow-bundle.js';
import { loadKubeConfig } from '../common/kube-config.js';

const logger = pino({ name: 'orchestration-worker' });

let config;
let workflows;
try {
  config = loadWorkerConfig();
  workflows = entryPointWorkflowSource();
} catch (err) {
  logger.fatal(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
const kubeConfig = loadKubeConfig();
const metrics = createWorkerMetrics();
const connection = await NativeConnection.connect(config.connectionOptions);
const httpFence = httpFencePolicy(config.httpFence, { temporalAddress: config.connectionOptions.address, kubeConfig });
const worker = await createOrchestrationWorker({
  connection,
  namespace: config.namespace,
  taskQueue: config.taskQueue,
  kubeConfig,
  httpFence,
  jobTtlSeconds: config.jobTtlSeconds,
  maxConcurrentActivities: config.maxConcurrentActivities,
  shutdownGraceSeconds: config.shutdownGraceSeconds,
  metrics,
  workflows,
});
const server = await startHttpServer(config.httpPort, metrics.registry, () => Promise.resolve(worker.getState() === 'RUNNING'));
logger.info(
  {
    taskQueue: config.taskQueue,
    namespace: config.namespace,
    jobTtlSecondsAfterFinished: config.jobTtlSeconds,
    maxConcurrentActivities: config.maxConcurrentActivities,
    shutdownGraceSeconds: config.shutdownGraceSeconds,
    httpPort: config.httpPort,
    workflows: 'workflowBundlePath' in workflows ? workflows.workflowBundlePath : `bundled at start from ${workflows.workflowsPath}`,
    httpStepFence: {
      allowed: httpFence.allowed.map((r) => r.text),
      denied: httpFence.denied.map((r) => r.text),
      unlisted: httpFence.unlisted,
      controlPlane: httpFence.controlPlane.map((e) => `${e.name} ${e.host}:${e.port}`),
    },
  },
  'worker started',
);
if (config.jobTtlSeconds < SHORT_JOB_TTL_SECONDS) {
  logger.warn(`JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS=${config.jobTtlSeconds} is short: a finished Job may be deleted before its outcome is read (WorkflowJobMissing)`);
}
// On SIGINT/SIGTERM the SDK stops polling, lets running activities finish within the grace, then hands
// the rest back to Temporal for another worker.
await worker.run();
logger.info('worker stopped');
server.close();
await connection.close();
