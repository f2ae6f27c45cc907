/**
 * The sandbox: real Temporal (dev server with its UI) and a real Kubernetes control plane with KWOK nodes,
 * on loopback and free ports, with every byte of state in one temp directory. `stop()` ends all of it.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane } from './kubernetes/control-plane.js';
import { startKwok } from './kubernetes/kwok.js';
import { stopAll, type ManagedProcess } from './process.js';
import { startTemporalServer } from './temporal-server.js';
import { ensureTools } from './tools/index.js';

/** What a shell or a test needs to reach the sandbox; written to .dev/env by `npm run dev`. */
export type SandboxEnv = {
  KUBECONFIG: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_UI_URL: string;
  TEMPORAL_CLI: string;
};

export interface Sandbox {
  env: SandboxEnv;
  dataDir: string;
  logsDir: string;
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

export interface SandboxOptions {
  /** Kept after stop when set; otherwise a fresh temp directory, removed by stop(). */
  dataDir?: string;
  log?: (line: string) => void;
  /** Filled as servers start, so a caller interrupted during start-up can stop what is already running. */
  processes?: ManagedProcess[];
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const log = options.log ?? ((line: string) => console.log(line));
  const tools = await ensureTools(log);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'orchestration-sandbox-'));
  const logsDir = join(dataDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const processes: ManagedProcess[] = options.processes ?? [];
  const stop = async () => {
    await stopAll(processes);
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const started = Date.now();
    const [cluster, temporal] = await Promise.all([
      startControlPlane(tools, dataDir, processes),
      startTemporalServer(tools.temporal, dataDir, processes),
    ]);
    await startKwok(tools.kwok, cluster.kubeconfig, dataDir, processes);
    log(`[sandbox] ready in ${Math.round((Date.now() - started) / 1000)} s (logs in ${logsDir})`);
    return {
      env: {
        KUBECONFIG: cluster.kubeconfig,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace,
        TEMPORAL_UI_URL: temporal.uiUrl,
        TEMPORAL_CLI: tools.temporal,
      },
      dataDir,
      logsDir,
      processes,
      stop,
    };
  } catch (err) {
    // Keep the data directory: its logs say why a server did not come up.
    await stopAll(processes).catch(() => undefined);
    throw new Error(`the sandbox did not start (logs kept in ${logsDir}): ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}
