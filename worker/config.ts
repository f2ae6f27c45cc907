/** Worker configuration from the environment, validated at start; Temporal connection via @temporalio/envconfig. */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE, describeIssues } from '../core/index.js';

const WorkerEnvSchema = z.object({
  ORCHESTRATION_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
});

export interface WorkerConfig {
  taskQueue: string;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

/** Throws an Error naming each bad variable. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = WorkerEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid worker configuration: ${describeIssues(parsed.error).join('; ')}`);
  // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* and config profiles.
  const temporal = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  return { taskQueue: parsed.data.ORCHESTRATION_TASK_QUEUE, namespace: temporal.namespace ?? 'default', connectionOptions: temporal.connectionOptions };
}
