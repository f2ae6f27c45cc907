/** Builds the worker: the orchestration run workflow and every activity on one task queue. */
import type { KubeConfig } from '@kubernetes/client-node';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { FencePolicy } from '../activities/builtins/http-destinations.js';
import type { WorkerMetrics } from '../activities/metrics.js';
import type { StepActivity } from '../activities/step-wrapper.js';
import { DEFAULT_SHUTDOWN_GRACE_SECONDS, SHUTDOWN_FORCE_MARGIN_SECONDS } from './config.js';
import { WORKFLOWS_PATH, type WorkflowSource } from './workflow-bundle.js';

export const DEFAULT_MAX_CONCURRENT_ACTIVITIES = 1000;

/** Re-exported for the tests and benchmarks that bundle workflows/ themselves. */
export { WORKFLOWS_PATH };

export interface OrchestrationWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  kubeConfig: KubeConfig;
  /** Which destinations http steps may reach: httpFencePolicy(config.httpFence, ...) of worker/config.ts. */
  httpFence: FencePolicy;
  stepActivities?: Record<string, StepActivity>;
  /** ttlSecondsAfterFinished of job steps' Jobs (JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS); default 600. */
  jobTtlSeconds?: number;
  metrics?: WorkerMetrics;
  /** Activities run at once (WORKER_MAX_CONCURRENT_ACTIVITIES); each running job step holds one while it waits. */
  maxConcurrentActivities?: number;
  /** WORKER_SHUTDOWN_GRACE_SECONDS: how long running activities may finish after a shutdown began. */
  shutdownGraceSeconds?: number;
  identity?: string;
  /** The prebuilt bundle (the built entry point) or workflows/ to bundle at start; default workflows/. */
  workflows?: WorkflowSource;
}

/** How long one workflow activation may run before the SDK stops it as a deadlock. */
export const ISOLATE_EXECUTION_TIMEOUT = '60 seconds';

export function createOrchestrationWorker(options: OrchestrationWorkerOptions): Promise<Worker> {
  const grace = options.shutdownGraceSeconds ?? DEFAULT_SHUTDOWN_GRACE_SECONDS;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflowOptions(options.workflows ?? { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({
      kubeConfig: options.kubeConfig,
      httpFence: options.httpFence,
      stepActivities: options.stepActivities,
      jobTtlSeconds: options.jobTtlSeconds,
      metrics: options.metrics,
    }),
    // Mostly waiting on I/O: a job step holds its slot for as long as its Job runs.
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? DEFAULT_MAX_CONCURRENT_ACTIVITIES,
    // Then running activities are cancelled (WORKER_SHUTDOWN) and handed back: their attempt is delivered
    // to another worker, and the step's retries are not spent.
    shutdownGraceTime: `${grace} seconds`,
    shutdownForceTime: `${grace + SHUTDOWN_FORCE_MARGIN_SECONDS} seconds`,
    // The SDK's deadlock detector stops an activation after this much wall time by terminating V8 inside a
    // workflow thread, which Node 20 can turn into a process abort ("Assertion failed:
    // (env_->execution_async_id()) == (0)", as in temporalio/sdk-typescript#939): seen when a 5,000-step run's
    // activation was starved of CPU past the default 5 s. Our workflow code has no unbounded loop (every
    // loop is over the run's steps, at most 5,000); a starved activation should finish, not kill the worker.
    // Typed as not exposed in 1.24, but the SDK's option compiler takes it from the options like any other.
    ...({ isolateExecutionTimeout: ISOLATE_EXECUTION_TIMEOUT } as object),
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

function workflowOptions(source: WorkflowSource): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  return 'workflowBundlePath' in source ? { workflowBundle: { codePath: source.workflowBundlePath } } : { workflowsPath: source.workflowsPath };
}
