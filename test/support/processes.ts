/**
 * The worker and the bridge as operators run them: processes of their own (worker/main.ts, bridge/main.ts),
 * configured through the environment, so a test can SIGTERM them as a rollout does or SIGKILL them as a
 * crash does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from '../../sandbox/process.js';
import { waitFor } from '../../sandbox/wait.js';
import { sandboxEnv, uniqueName } from './sandbox.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProcessOptions {
  taskQueue: string;
  /** Extra environment, e.g. WORKER_SHUTDOWN_GRACE_SECONDS. */
  env?: Record<string, string>;
  temporalAddress?: string;
}

/** One node process (no tsx launcher in between), so a signal reaches the program itself. */
async function startEntryPoint(kind: 'worker' | 'bridge', options: ProcessOptions, env: Record<string, string>, readyLine: string): Promise<ManagedProcess> {
  const sandbox = sandboxEnv();
  const name = uniqueName(kind);
  const logFile = join(mkdtempSync(join(tmpdir(), `${kind}-process-`)), `${name}.log`);
  const proc = new ManagedProcess({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', `${kind}/main.ts`],
    cwd: ROOT,
    logFile,
    env: {
      ...process.env,
      KUBECONFIG: sandbox.KUBECONFIG,
      TEMPORAL_ADDRESS: options.temporalAddress ?? sandbox.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: sandbox.TEMPORAL_NAMESPACE,
      ORCHESTRATION_TASK_QUEUE: options.taskQueue,
      ...env,
      ...options.env,
    },
  });
  await waitFor(() => (proc.logTail(50).includes(readyLine) ? true : undefined), {
    what: `${kind} process ${name} started`,
    timeoutMs: 60_000,
    failIf: () => proc.exitMessage(),
  });
  return proc;
}

/** Starts worker/main.ts in a process of its own. */
export function startWorkerProcess(options: ProcessOptions): Promise<ManagedProcess> {
  return startEntryPoint('worker', options, { WORKER_HTTP_PORT: '0' }, '"worker started"');
}

/**
 * Starts bridge/main.ts in a process of its own, watching `namespace`, with its Lease there. Resolves
 * once it started; it reconciles once it holds the Lease (a killed predecessor's runs out first).
 */
export function startBridgeProcess(options: ProcessOptions & { namespace: string; leaseName: string }): Promise<ManagedProcess> {
  return startEntryPoint(
    'bridge',
    options,
    {
      BRIDGE_HTTP_PORT: '0',
      JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES: options.namespace,
      BRIDGE_LEASE_NAME: options.leaseName,
      BRIDGE_LEASE_NAMESPACE: options.namespace,
      TEMPORAL_UI_URL: sandboxEnv().TEMPORAL_UI_URL,
    },
    '"bridge starting"',
  );
}

/**
 * Keeps a process running as its Deployment would: started again whenever it exits (e.g. a bridge that
 * lost its Lease during an apiserver outage exits by design), until stop().
 */
export async function keepRunning(start: () => Promise<ManagedProcess>): Promise<{ stop(): Promise<void>; restarts(): number }> {
  let stopped = false;
  let restarts = 0;
  let current = await start();
  const loop = (async () => {
    while (!stopped) {
      await current.exited;
      if (stopped) break;
      restarts += 1;
      current = await start();
    }
  })();
  return {
    restarts: () => restarts,
    async stop() {
      stopped = true;
      await current.stop(5000);
      await loop;
    },
  };
}
