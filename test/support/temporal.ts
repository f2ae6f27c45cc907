/** A real worker of this project on a fresh task queue of the sandbox server, and a client for it. */
import { Client, type WorkflowHandle } from '@temporalio/client';
import { connectTemporal } from '../../common/temporal-connection.js';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createWorkerMetrics, type WorkerMetrics } from '../../activities/metrics.js';
import { parseDestinationRule } from '../../activities/builtins/http-destinations.js';
import type { StepActivity } from '../../activities/step-wrapper.js';
import type { RunSnapshot, Step } from '../../core/index.js';
import { workflowIdFor } from '../../core/index.js';
import type { orchestrationRunWorkflow } from '../../workflows/index.js';
import { DEFAULT_HTTP_FENCE_SETTINGS, httpFencePolicy } from '../../worker/config.js';
import { createOrchestrationWorker } from '../../worker/create-worker.js';
import { kubeConfig, sandboxEnv, uniqueName } from './sandbox.js';

export interface TestWorker {
  client: Client;
  taskQueue: string;
  worker: Worker;
  /** The worker's Prometheus metrics, as its /metrics would serve them. */
  metrics: WorkerMetrics;
  /** Stops the worker only; the client stays connected. */
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestWorkerOptions {
  stepActivities?: Record<string, StepActivity>;
  /** JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS of this worker; default 600. */
  jobTtlSeconds?: number;
  /** Another Temporal server than the sandbox's. */
  temporalAddress?: string;
  /** An existing task queue (e.g. a worker replacing one that stopped); default: a fresh one. */
  taskQueue?: string;
  /**
   * HTTP_STEP_ALLOWED_DESTINATIONS of this worker, e.g. '127.0.0.1' for a test's local server; the
   * default denies (loopback among them) and the sandbox's Temporal and Kubernetes endpoints apply otherwise.
   */
  httpAllowed?: string[];
}

export async function startTestWorker(options: TestWorkerOptions = {}): Promise<TestWorker> {
  const env = sandboxEnv();
  const address = options.temporalAddress ?? env.TEMPORAL_ADDRESS;
  const native = await NativeConnection.connect({ address });
  const connection = await connectTemporal({ address });
  const taskQueue = options.taskQueue ?? uniqueName('tq');
  const metrics = createWorkerMetrics();
  const worker = await createOrchestrationWorker({
    connection: native,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue,
    kubeConfig: kubeConfig(),
    httpFence: httpFencePolicy(
      { ...DEFAULT_HTTP_FENCE_SETTINGS, allowed: (options.httpAllowed ?? []).map(parseDestinationRule), temporalUiUrl: env.TEMPORAL_UI_URL },
      { temporalAddress: address, kubeConfig: kubeConfig() },
    ),
    stepActivities: options.stepActivities,
    jobTtlSeconds: options.jobTtlSeconds,
    metrics,
  });
  const running = worker.run();
  let stopped = false;
  const stopWorker = async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  };
  return {
    client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }),
    taskQueue,
    worker,
    metrics,
    stopWorker,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopWorker();
      await connection.close();
      await native.close();
    },
  };
}

export function snapshotOf(steps: Step[], extra: Partial<RunSnapshot> = {}): RunSnapshot {
  const name = uniqueName('run');
  return {
    run: { namespace: 'default', name, uid: `uid-${name}` },
    steps,
    parameters: {},
    policy: { parallelism: 0, failFast: false },
    writeStatus: false,
    ...extra,
  };
}

export function startRun(tw: TestWorker, snapshot: RunSnapshot): Promise<WorkflowHandle<typeof orchestrationRunWorkflow>> {
  return tw.client.workflow.start<typeof orchestrationRunWorkflow>('orchestrationRunWorkflow', {
    taskQueue: tw.taskQueue,
    workflowId: workflowIdFor(snapshot.run),
    args: [{ snapshot }],
    staticSummary: `OrchestrationRun ${snapshot.run.namespace}/${snapshot.run.name}`,
  });
}

/** Waits for the run's workflow to close and returns its result, or the failure it closed with. */
export async function outcome(handle: WorkflowHandle<typeof orchestrationRunWorkflow>) {
  try {
    return { result: await handle.result(), error: undefined };
  } catch (error) {
    return { result: undefined, error: error as Error & { cause?: Error & { type?: string; message: string } } };
  }
}
