/**
 * The worker as operators run it: its own process (worker/main.ts), configured through the environment,
 * so a test can SIGTERM it as a rollout does or SIGKILL it as a crash does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from '../../sandbox/process.js';
import { waitFor } from '../../sandbox/wait.js';
import { sandboxEnv, uniqueName } from './sandbox.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface WorkerProcessOptions {
  taskQueue: string;
  /** Extra environment, e.g. WORKER_SHUTDOWN_GRACE_SECONDS. */
  env?: Record<string, string>;
  temporalAddress?: string;
}

/** Starts worker/main.ts in a process of its own (one node process: a signal reaches the worker itself). */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<ManagedProcess> {
  const env = sandboxEnv();
  const name = uniqueName('worker');
  const logFile = join(mkdtempSync(join(tmpdir(), 'worker-process-')), `${name}.log`);
  const proc = new ManagedProcess({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', 'worker/main.ts'],
    cwd: ROOT,
    logFile,
    env: {
      ...process.env,
      KUBECONFIG: env.KUBECONFIG,
      TEMPORAL_ADDRESS: options.temporalAddress ?? env.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
      ORCHESTRATION_TASK_QUEUE: options.taskQueue,
      WORKER_HTTP_PORT: '0',
      ...options.env,
    },
  });
  await waitFor(() => (proc.logTail(50).includes('"worker started"') ? true : undefined), {
    what: `worker process ${name} started`,
    timeoutMs: 60_000,
    failIf: () => proc.exitMessage(),
  });
  return proc;
}
