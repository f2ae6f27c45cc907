/** `npm run dev`: the whole sandbox in the foreground, supervising the bridge and a worker, until SIGINT/SIGTERM. */
import pino from 'pino';
import { startSandbox, type Sandbox } from './index.js';
import { guardChildren, stopAll, type ManagedProcess } from './process.js';
import { installCrds } from './kubernetes/apply.js';
import { startDevServices, type DevServices } from './dev-services.js';
import { acquireDevLock, DEV_ENV_FILE, releaseDev, removeStaleDevEnv, writeDevEnv } from './dev-env.js';
import { watchLaunchers } from './launcher-watch.js';
import { startReaper } from './reaper.js';

// Logs go to stderr (synchronously, so none is lost at exit); stdout holds what a user copies: the banner.
const logger = pino({ name: 'dev' }, pino.destination({ dest: 2, sync: true }));

const lock = acquireDevLock();
if (!lock.ok) {
  logger.error({ holderPid: lock.pid }, `npm run dev is already running (pid ${lock.pid}); use it with: source ${DEV_ENV_FILE}`);
  process.exit(1);
}
if (removeStaleDevEnv()) logger.warn(`removed the stale ${DEV_ENV_FILE} of a dev sandbox that was killed`);
// Before any server starts: from here on each runs in a process group the reaper stops if this process dies.
const reaper = startReaper(logger);
guardChildren(reaper);

let sandbox: Sandbox | undefined;
let services: DevServices | undefined;
const processes: ManagedProcess[] = [];
let stopping = false;

async function stopEverything(): Promise<void> {
  try {
    await services?.stop().catch((err: unknown) => logger.error({ err }, 'stopping the bridge and the worker'));
    // Interrupted during start-up there is no sandbox yet, but some servers may already run.
    await (sandbox ? sandbox.stop() : stopAll(processes));
  } finally {
    releaseDev();
    await reaper.close();
  }
}

async function shutdown(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ reason }, `${reason}: stopping the sandbox`);
  try {
    await stopEverything();
  } catch (err) {
    logger.error({ err }, 'some processes did not stop cleanly');
    process.exit(1);
  }
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
watchLaunchers((pid) => void shutdown(`launcher process ${pid} ended`));

try {
  sandbox = await startSandbox({ processes, log: (line) => logger.info(line) });
  await installCrds(sandbox.env.KUBECONFIG);
  services = await startDevServices(sandbox.env, sandbox.logsDir, logger);
  await services.ready();
} catch (err) {
  if (stopping) await new Promise(() => undefined); // shutdown() is under way and exits
  stopping = true;
  logger.error({ err }, err instanceof Error ? err.message : String(err));
  await stopEverything().catch(() => undefined);
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

The bridge (pid ${services.bridge.pid}, ${services.urls.bridge}/metrics) and the worker (pid ${services.worker.pid}, ${services.urls.worker}/metrics)
are restarted with backoff if they die; their output goes to bridge.log and worker.log.
Logs: ${sandbox.logsDir}. Ctrl-C stops everything.`);
