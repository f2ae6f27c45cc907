/** Bridge entry point: config, clients, controller, HTTP endpoints; stops cleanly on SIGINT/SIGTERM. */
import { hostname } from 'node:os';
import { Client } from '@temporalio/client';
import { connectTemporal } from '../common/temporal-connection.js';
import pino from 'pino';
import { loadBridgeConfig, type BridgeConfig } from './config.js';
import { createController } from './controller.js';
import { createLeaderElector } from './leader-election.js';
import { startHttpServer } from '../common/http-server.js';
import { createMetrics } from './metrics.js';
import { loadKubeConfig } from '../common/kube-config.js';

const logger = pino({ name: 'orchestration-bridge' });
let config: BridgeConfig;
try {
  config = loadBridgeConfig();
} catch (err) {
  logger.fatal(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
const identity = `${hostname()}-${process.pid}`;
const kubeConfig = loadKubeConfig();
const connection = await connectTemporal(config.temporal.connectionOptions);
const namespace = config.temporal.namespace ?? 'default';
const client = new Client({ connection, namespace });
const metrics = createMetrics();
logger.info(
  {
    namespaces: config.namespaces.length > 0 ? config.namespaces : 'all',
    taskQueue: config.taskQueue,
    enabled: config.enabled,
    temporalNamespace: namespace,
    runRetentionSeconds: config.runRetentionSeconds ?? 'keep (JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS unset)',
    cancelEnabled: config.cancelEnabled,
    cancelTimeoutMs: config.cancelTimeoutMs,
    cleanupTimeoutMs: config.cleanupTimeoutMs,
    concurrency: config.concurrency,
  },
  'bridge starting',
);

const controller = createController({
  kubeConfig,
  client,
  settings: {
    temporalNamespace: namespace,
    taskQueue: config.taskQueue,
    uiBaseUrl: config.uiBaseUrl,
    runRetentionSeconds: config.runRetentionSeconds,
    cancelEnabled: config.cancelEnabled,
    cancelTimeoutMs: config.cancelTimeoutMs,
    cleanupTimeoutMs: config.cleanupTimeoutMs,
    concurrency: config.concurrency,
  },
  namespaces: config.namespaces,
  identity,
  logger,
  metrics,
  workers: config.workers,
});
let started = false;
let stopping = false;
// Only the Lease holder reconciles. Losing the lease ends the process, as in client-go: a restart
// campaigns afresh with an empty cache, rather than reconciling beside the new leader.
const elector = createLeaderElector({
  kubeConfig,
  namespace: config.lease.namespace,
  name: config.lease.name,
  identity,
  leaseDurationSeconds: 10,
  retryPeriodMs: 2000,
  logger,
  onStartedLeading: async () => {
    await controller.start();
    started = true;
    logger.info('bridge reconciling');
  },
  onStoppedLeading: async () => {
    if (stopping) return;
    logger.error('lost the lease; exiting');
    await controller.stop();
    process.exit(1);
  },
});
// Ready: a standby reaches Temporal (it can take over); the leader has also synced its caches. A standby
// that never counted as ready would leave a PodDisruptionBudget no eviction to allow but the leader's.
const server = await startHttpServer(config.httpPort, metrics.registry, async () => {
  if (!started && config.enabled && elector.leading) return false;
  await connection.workflowService.getSystemInfo({});
  return true;
});
if (config.enabled) elector.start();
else logger.warn('JANGAR_ORCHESTRATION_CONTROLLER_ENABLED=false: not reconciling');

async function shutdown(signal: string): Promise<void> {
  logger.info({ signal }, 'bridge stopping');
  stopping = true;
  await elector.stop();
  await controller.stop();
  server.close();
  await connection.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
