/**
 * What `npm run dev` runs beside the servers: the bridge and a worker, each a child process of its own running
 * the built entry point the image holds (as `npm run bridge` / `npm run worker` do), restarted with backoff
 * when it dies. `npm run dev` builds before it starts.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isOk } from './http-probe.js';
import type { Command } from '../bin/commands.js';
import { entryPointArgs } from './entry-point.js';
import type { SandboxEnv } from './index.js';
import { freePorts } from './ports.js';
import { SupervisedProcess } from './supervised-process.js';
import { waitFor } from './wait.js';

const ROOT = join(import.meta.dirname, '..');

export interface DevServices {
  bridge: SupervisedProcess;
  worker: SupervisedProcess;
  /** Where each serves /metrics, /healthz and /readyz. */
  urls: { bridge: string; worker: string };
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The environment of the bridge and the worker: the user's, minus TEMPORAL_* settings that would point them
 * elsewhere (an API key, TLS, a profile), plus the sandbox's connection and free ports for their HTTP servers.
 */
function serviceEnv(env: SandboxEnv, ports: { bridge: number; worker: number }): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TEMPORAL_')));
  return { ...inherited, ...env, BRIDGE_HTTP_PORT: String(ports.bridge), WORKER_HTTP_PORT: String(ports.worker) };
}

/** Starts both; `ready()` resolves once both answer /readyz and fails if either dies before that. */
export async function startDevServices(env: SandboxEnv, logsDir: string, logger: Logger): Promise<DevServices> {
  const [bridgePort, workerPort] = (await freePorts(2)) as [number, number];
  const childEnv = serviceEnv(env, { bridge: bridgePort, worker: workerPort });
  // node itself, no launcher: one process per service, so the pid the terminal names is the one that runs, and
  // its exit code or signal is the service's own.
  const start = (name: Command) =>
    new SupervisedProcess(
      { name, command: process.execPath, args: entryPointArgs(name), cwd: ROOT, env: childEnv, logFile: join(logsDir, `${name}.log`) },
      logger,
    );
  const worker = start('worker');
  const bridge = start('bridge');
  const urls = { bridge: `http://127.0.0.1:${bridgePort}`, worker: `http://127.0.0.1:${workerPort}` };
  return {
    bridge,
    worker,
    urls,
    async ready() {
      for (const [service, url] of [[worker, urls.worker], [bridge, urls.bridge]] as const) {
        await waitFor(() => isOk(`${url}/readyz`), {
          what: `${service.name} ${url}/readyz`,
          timeoutMs: 180_000,
          failIf: () => service.lastExit,
        });
      }
    },
    async stop() {
      // The bridge first: it starts workflows that only a worker can run.
      const errors: unknown[] = [];
      for (const service of [bridge, worker]) await service.stop().catch((err: unknown) => errors.push(err));
      if (errors.length > 0) throw new AggregateError(errors, 'the bridge or the worker did not stop cleanly');
    },
  };
}
