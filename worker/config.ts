/** Worker configuration from the environment, validated at start; Temporal connection via @temporalio/envconfig. */
import type { KubeConfig } from '@kubernetes/client-node';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import {
  ALLOWED_VARIABLE,
  DENIED_VARIABLE,
  KUBERNETES_NAMES,
  parseDestinationRule,
  type DestinationRule,
  type Endpoint,
  type FencePolicy,
  UNLISTED_VARIABLE,
} from '../activities/builtins/http-destinations.js';
import { withoutEmpty } from '../common/env.js';
import { DEFAULT_JOB_TTL_SECONDS, DEFAULT_TASK_QUEUE, describeIssues } from '../core/index.js';

/**
 * On SIGTERM the worker stops polling and gives running activities this long to finish; then it hands
 * the rest back to Temporal, which delivers them to another worker at once. A Pod's
 * terminationGracePeriodSeconds must exceed it by SHUTDOWN_FORCE_MARGIN_SECONDS + SHUTDOWN_EXIT_MARGIN_SECONDS.
 */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;
/** After the grace, how long the hand-back may take before the worker gives up on a clean shutdown. */
export const SHUTDOWN_FORCE_MARGIN_SECONDS = 10;
/** After a forced shutdown, time to close connections and exit before the kubelet's SIGKILL. */
export const SHUTDOWN_EXIT_MARGIN_SECONDS = 5;

/** A comma-separated list of destinations; each bad entry is named. */
const destinationList = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const rules: DestinationRule[] = [];
    for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
      try {
        rules.push(parseDestinationRule(entry));
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }
    return rules;
  })
  .pipe(z.array(z.custom<DestinationRule>()).max(1000));

const WorkerEnvSchema = z.object({
  ORCHESTRATION_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS: z.coerce.number().int().min(0).max(31536000).default(DEFAULT_JOB_TTL_SECONDS),
  WORKER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(100000).default(1000),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(DEFAULT_SHUTDOWN_GRACE_SECONDS),
  [ALLOWED_VARIABLE]: destinationList,
  [DENIED_VARIABLE]: destinationList,
  [UNLISTED_VARIABLE]: z.enum(['allow', 'deny']).default('allow'),
  // The Temporal UI the bridge links runs to: http steps must not read other namespaces' workflows through it.
  TEMPORAL_UI_URL: z.url({ protocol: /^https?$/ }).optional(),
});

/** Every variable the worker's schema reads (Temporal's connection comes from @temporalio/envconfig besides). */
export const WORKER_ENV_VARIABLES = Object.keys(WorkerEnvSchema.shape);

/** What the environment says about http steps' destinations; the worker's own endpoints are added at start. */
export interface HttpFenceSettings {
  allowed: DestinationRule[];
  denied: DestinationRule[];
  unlisted: 'allow' | 'deny';
  temporalUiUrl?: string;
}

export interface WorkerConfig {
  taskQueue: string;
  /** ttlSecondsAfterFinished of job steps' Jobs. */
  jobTtlSeconds: number;
  httpPort: number;
  maxConcurrentActivities: number;
  shutdownGraceSeconds: number;
  namespace: string;
  httpFence: HttpFenceSettings;
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
    httpFence: {
      allowed: parsed.data[ALLOWED_VARIABLE],
      denied: parsed.data[DENIED_VARIABLE],
      unlisted: parsed.data[UNLISTED_VARIABLE],
      ...(parsed.data.TEMPORAL_UI_URL !== undefined ? { temporalUiUrl: parsed.data.TEMPORAL_UI_URL } : {}),
    },
    connectionOptions: temporal.connectionOptions,
  };
}

const DEFAULT_TEMPORAL_PORT = 7233;
/** Temporal's default frontend.httpPort. */
const TEMPORAL_HTTP_API_PORT = 7243;

/** `host:port` or `[v6]:port`, as TEMPORAL_ADDRESS is written. */
function hostPort(address: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[?(.*?)\]?(?::(\d+))?$/.exec(address.trim());
  return { host: (m?.[1] ?? address).toLowerCase(), port: m?.[2] !== undefined ? Number(m[2]) : defaultPort };
}

function urlEndpoint(name: string, url: string): Endpoint {
  const u = new URL(url);
  return { name, host: u.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80) };
}

/**
 * The worker's own control plane, refused to http steps whatever the lists say: its Temporal frontend
 * (TEMPORAL_ADDRESS, and port 7243 of that host: the frontend's HTTP API), the Temporal UI (TEMPORAL_UI_URL,
 * if set), and the Kubernetes API (the kubeconfig's current server, KUBERNETES_SERVICE_HOST/PORT in a Pod,
 * and the kubernetes.default.svc names).
 */
export function controlPlaneEndpoints(options: { temporalAddress: string | undefined; temporalUiUrl?: string; kubeConfig: KubeConfig; env?: NodeJS.ProcessEnv }): Endpoint[] {
  const env = options.env ?? process.env;
  const frontend = hostPort(options.temporalAddress ?? `localhost:${DEFAULT_TEMPORAL_PORT}`, DEFAULT_TEMPORAL_PORT);
  // The frontend serves the same API over HTTP (/api/v1/...), by default on 7243 of the same host.
  const endpoints: Endpoint[] = [{ name: 'temporal-frontend', ...frontend }, { name: 'temporal-http-api', host: frontend.host, port: TEMPORAL_HTTP_API_PORT }];
  if (options.temporalUiUrl) endpoints.push(urlEndpoint('temporal-ui', options.temporalUiUrl));
  const server = options.kubeConfig.getCurrentCluster()?.server;
  if (server) endpoints.push(urlEndpoint('kubernetes-api', server));
  if (env.KUBERNETES_SERVICE_HOST) endpoints.push({ name: 'kubernetes-api', host: env.KUBERNETES_SERVICE_HOST.toLowerCase(), port: Number(env.KUBERNETES_SERVICE_PORT) || 443 });
  return endpoints;
}

/** No lists: the default denies and the control plane only. */
export const DEFAULT_HTTP_FENCE_SETTINGS: HttpFenceSettings = { allowed: [], denied: [], unlisted: 'allow' };

/** The fence of this worker's http steps: the configured lists and its own control plane. */
export function httpFencePolicy(settings: HttpFenceSettings, own: { temporalAddress: string | undefined; kubeConfig: KubeConfig; env?: NodeJS.ProcessEnv }): FencePolicy {
  return {
    allowed: settings.allowed,
    denied: settings.denied,
    unlisted: settings.unlisted,
    controlPlane: controlPlaneEndpoints({ ...own, temporalUiUrl: settings.temporalUiUrl }),
    controlPlaneNames: [KUBERNETES_NAMES],
  };
}
