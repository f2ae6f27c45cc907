/**
 * The worker and the bridge as operators run them: processes of their own running the built entry point the
 * image holds (`node dist/bin/orchestration-bridge.js bridge|worker`, written by `npm run build`), configured
 * through the environment, so a test can SIGTERM them as a rollout does or SIGKILL them as a crash does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { entryPointArgs } from '../../sandbox/entry-point.js';
import { ManagedProcess, type StartOptions } from '../../sandbox/process.js';
import { SupervisedProcess } from '../../sandbox/supervised-process.js';
import { waitFor } from '../../sandbox/wait.js';
import { sandboxEnv, uniqueName } from './sandbox.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProcessOptions {
  taskQueue: string;
  /** Extra environment, e.g. WORKER_SHUTDOWN_GRACE_SECONDS. */
  env?: Record<string, string>;
  temporalAddress?: string;
}

type Kind = 'worker' | 'bridge';

/** How to start an entry point as one node process (no launcher in between), so a signal reaches the program itself. */
function entryPointOptions(kind: Kind, options: ProcessOptions, env: Record<string, string>): StartOptions {
  const sandbox = sandboxEnv();
  const name = uniqueName(kind);
  return {
    name,
    command: process.execPath,
    args: entryPointArgs(kind),
    cwd: ROOT,
    logFile: join(mkdtempSync(join(tmpdir(), `${kind}-process-`)), `${name}.log`),
    env: {
      ...process.env,
      KUBECONFIG: sandbox.KUBECONFIG,
      TEMPORAL_ADDRESS: options.temporalAddress ?? sandbox.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: sandbox.TEMPORAL_NAMESPACE,
      ORCHESTRATION_TASK_QUEUE: options.taskQueue,
      ...env,
      ...options.env,
    },
  };
}

const READY_LINE: Record<Kind, string> = { worker: '"worker started"', bridge: '"bridge starting"' };

// TEMPORAL_UI_URL as the dev supervisor and the chart set it: the worker fences http steps off the UI.
const workerOptions = (options: ProcessOptions) => entryPointOptions('worker', options, { WORKER_HTTP_PORT: '0', TEMPORAL_UI_URL: sandboxEnv().TEMPORAL_UI_URL });

type BridgeProcessOptions = ProcessOptions & { namespace: string; leaseName: string };
const bridgeOptions = (options: BridgeProcessOptions) =>
  entryPointOptions('bridge', options, {
    BRIDGE_HTTP_PORT: '0',
    JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES: options.namespace,
    BRIDGE_LEASE_NAME: options.leaseName,
    BRIDGE_LEASE_NAMESPACE: options.namespace,
    TEMPORAL_UI_URL: sandboxEnv().TEMPORAL_UI_URL,
  });

async function started(kind: Kind, start: StartOptions): Promise<ManagedProcess> {
  const proc = new ManagedProcess(start);
  await waitFor(() => (proc.logTail(50).includes(READY_LINE[kind]) ? true : undefined), {
    what: `${kind} process ${start.name} started`,
    timeoutMs: 60_000,
    failIf: () => proc.exitMessage(),
  });
  return proc;
}

/** Starts the built worker in a process of its own. */
export function startWorkerProcess(options: ProcessOptions): Promise<ManagedProcess> {
  return started('worker', workerOptions(options));
}

/**
 * Starts the built bridge in a process of its own, watching `namespace`, with its Lease there. Resolves
 * once it started; it reconciles once it holds the Lease (a killed predecessor's runs out first).
 */
export function startBridgeProcess(options: BridgeProcessOptions): Promise<ManagedProcess> {
  return started('bridge', bridgeOptions(options));
}

/**
 * The worker and the bridge kept running as their Deployments would, by the supervisor `npm run dev` uses:
 * started again whenever they exit (a bridge that lost its Lease during an apiserver outage exits by design).
 */
export function superviseWorkerProcess(options: ProcessOptions): SupervisedProcess {
  return new SupervisedProcess(workerOptions(options), pino({ level: 'silent' }));
}

export function superviseBridgeProcess(options: BridgeProcessOptions): SupervisedProcess {
  return new SupervisedProcess(bridgeOptions(options), pino({ level: 'silent' }));
}
