/** Bridge configuration from the environment, validated with zod at start; a bad value names its variable. */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { withoutEmpty } from '../common/env.js';
import { DEFAULT_TASK_QUEUE, describeIssues } from '../core/index.js';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const BridgeEnvSchema = z.object({
  JANGAR_ORCHESTRATION_CONTROLLER_ENABLED: bool.default(true),
  JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'each namespace must be a DNS-1123 label'))),
  ORCHESTRATION_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  TEMPORAL_UI_URL: z.union([z.literal(''), z.url()]).default(''),
  BRIDGE_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  BRIDGE_WORKERS: z.coerce.number().int().min(1).max(64).default(16),
  BRIDGE_LEASE_NAME: z.string().regex(/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 subdomain').default('orchestration-bridge'),
  BRIDGE_LEASE_NAMESPACE: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label').optional(),
  POD_NAMESPACE: z.string().optional(),
  JANGAR_ORCHESTRATION_CANCEL_ENABLED: bool.default(true),
  JANGAR_ORCHESTRATION_CANCEL_TIMEOUT_MS: z.coerce.number().int().min(1000).max(86_400_000).default(300_000),
  JANGAR_CONTROLLER_FINALIZER_CLEANUP_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS: z.coerce.number().int().min(0).max(31536000).optional(),
  // Running runs at once per namespace and across every namespace the bridge watches; 0 or unset: no limit.
  JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_NAMESPACE: z.coerce.number().int().min(0).max(1_000_000).default(0),
  JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_CLUSTER: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** Every variable the bridge's schema reads (Temporal's connection comes from @temporalio/envconfig besides). */
export const BRIDGE_ENV_VARIABLES = Object.keys(BridgeEnvSchema.shape);

export interface BridgeConfig {
  enabled: boolean;
  namespaces: string[];
  taskQueue: string;
  uiBaseUrl: string;
  httpPort: number;
  workers: number;
  lease: { name: string; namespace: string };
  /** Default retention of finished runs in seconds; undefined keeps them. */
  runRetentionSeconds: number | undefined;
  cancelEnabled: boolean;
  cancelTimeoutMs: number;
  cleanupTimeoutMs: number;
  /** Running runs at once per namespace and across the watched namespaces; 0 = no limit. */
  concurrency: { namespace: number; cluster: number };
  temporal: ReturnType<typeof loadClientConnectConfig>;
}

export function loadBridgeConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const parsed = BridgeEnvSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) throw new Error(`invalid bridge configuration: ${describeIssues(parsed.error).join('; ')}`);
  const c = parsed.data;
  return {
    enabled: c.JANGAR_ORCHESTRATION_CONTROLLER_ENABLED,
    namespaces: c.JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES,
    taskQueue: c.ORCHESTRATION_TASK_QUEUE,
    uiBaseUrl: c.TEMPORAL_UI_URL,
    httpPort: c.BRIDGE_HTTP_PORT,
    workers: c.BRIDGE_WORKERS,
    runRetentionSeconds: c.JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS,
    cancelEnabled: c.JANGAR_ORCHESTRATION_CANCEL_ENABLED,
    cancelTimeoutMs: c.JANGAR_ORCHESTRATION_CANCEL_TIMEOUT_MS,
    cleanupTimeoutMs: c.JANGAR_CONTROLLER_FINALIZER_CLEANUP_TIMEOUT_MS,
    concurrency: { namespace: c.JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_NAMESPACE, cluster: c.JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_CLUSTER },
    lease: { name: c.BRIDGE_LEASE_NAME, namespace: c.BRIDGE_LEASE_NAMESPACE ?? c.POD_NAMESPACE ?? 'default' },
    temporal: loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> }),
  };
}
