/** Worker configuration from the environment, validated at start; Temporal connection via @temporalio/envconfig. */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { withoutEmpty } from '../common/env.js';
import { DEFAULT_JOB_TTL_SECONDS, DEFAULT_TASK_QUEUE, describeIssues } from '../core/index.js';

/**
 * On SIGTERM the worker stops polling and gives running activities this long to finish; then it hands
 * the rest back to Temporal, which delivers them to another worker at once. A Pod's
 * terminationGracePeriodSeconds must exceed it by SHUTDOWN_FORCE_MARGIN_SECONDS.
 */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;
/** After the grace, how long the hand-back may take before the worker gives up on a clean shutdown. */
export const SHUTDOWN_FORCE_MARGIN_SECONDS = 10;

const WorkerEnvSchema = z.object({
  ORCHESTRATION_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS: z.coerce.number().int().min(0).max(31536000).default(DEFAULT_JOB_TTL_SECONDS),
  WORKER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(100000).default(1000),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(DEFAULT_SHUTDOWN_GRACE_SECONDS),
});

/** Every variable the worker's schema reads (Temporal's connection comes from @temporalio/envconfig besides). */
export const WORKER_ENV_VARIABLES = Object.keys(WorkerEnvSchema.shape);

export interface WorkerConfig {
  taskQueue: string;
  /** ttlSecondsAfterFinished of job steps' Jobs. */
  jobTtlSeconds: number;
  httpPort: number;
  maxConcurrentActivities: number;
  shutdownGraceSeconds: number;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

/** Below this a finished Job may be collected before a busy worker reads its outcome (WorkflowJobMissing). */
export const SHORT_JOB_TTL_SECONDS = 60;

/** Throws an Error naming each bad variable. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = WorkerEnvSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) throw new Error(`invalid worker configuration: ${describeIssues(parsed.error).join('; ')}`);
  // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* and config profiles.
  const temporal = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  return {
    taskQueue: parsed.data.ORCHESTRATION_TASK_QUEUE,
    jobTtlSeconds: parsed.data.JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS,
    httpPort: parsed.data.WORKER_HTTP_PORT,
    maxConcurrentActivities: parsed.data.WORKER_MAX_CONCURRENT_ACTIVITIES,
    shutdownGraceSeconds: parsed.data.WORKER_SHUTDOWN_GRACE_SECONDS,
    namespace: temporal.namespace ?? 'default',
    connectionOptions: temporal.connectionOptions,
  };
}
