/** `npm run dev`: the whole sandbox in the foreground until SIGINT/SIGTERM. */
import { startSandbox, type Sandbox } from './index.js';
import { stopAll, type ManagedProcess } from './process.js';
import { installCrds } from './kubernetes/apply.js';
import { startDevServices, type DevServices } from './dev-services.js';
import { acquireDevLock, DEV_ENV_FILE, releaseDev, writeDevEnv } from './dev-env.js';

const lock = acquireDevLock();
if (!lock.ok) {
  console.error(`npm run dev is already running (pid ${lock.pid}); use it with: source ${DEV_ENV_FILE}`);
  process.exit(1);
}

let sandbox: Sandbox | undefined;
let services: DevServices | undefined;
const processes: ManagedProcess[] = [];
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n[dev] ${signal}: stopping the sandbox`);
  try {
    // Interrupted during start-up there is no sandbox yet, but some servers may already run.
    await services?.stop().catch((err: unknown) => console.error(`[dev] stopping bridge and worker: ${String(err)}`));
    await (sandbox ? sandbox.stop() : stopAll(processes));
  } finally {
    releaseDev();
  }
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  sandbox = await startSandbox({ processes });
  await installCrds(sandbox.env.KUBECONFIG);
  services = await startDevServices(sandbox.env, sandbox.logsDir);
} catch (err) {
  await sandbox?.stop().catch(() => undefined);
  releaseDev();
  console.error(`[dev] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
if (stopping) await new Promise(() => undefined); // a signal arrived while starting; shutdown() exits
writeDevEnv(sandbox.env);
console.log(`
[dev] sandbox ready: Temporal, Kubernetes, the bridge and a worker. In another shell:

  source ${DEV_ENV_FILE}
${Object.entries(sandbox.env)
  .map(([k, v]) => `    ${k}=${v}`)
  .join('\n')}

  kubectl get nodes
  kubectl get orchrun -A
  kubectl apply -f examples/diamond.yaml && kubectl get orchrun diamond -w
  "$TEMPORAL_CLI" workflow list --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE"
  open "$TEMPORAL_UI_URL" (Temporal Web UI)

Logs: ${sandbox.logsDir}. Ctrl-C stops everything.`);
