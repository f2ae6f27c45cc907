/** The real Temporal dev server (`temporal server start-dev`: SQLite, Web UI) on free loopback ports. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectTemporal } from '../common/temporal-connection.js';
import { SEARCH_ATTRIBUTES } from '../core/search-attributes.js';
import { isOk } from './http-probe.js';
import { freePorts } from './ports.js';
import { ManagedProcess } from './process.js';
import { waitFor } from './wait.js';

export const SANDBOX_TEMPORAL_NAMESPACE = 'default';

export interface TemporalServer {
  address: string;
  namespace: string;
  uiUrl: string;
  process: ManagedProcess;
  /** gRPC, UI, HTTP and metrics ports: pass them back to start the server again on the same data. */
  ports: TemporalPorts;
}

export type TemporalPorts = [grpc: number, ui: number, http: number, metrics: number];

/** Starts the server on free ports, or on `ports` (a restart: the same address, the same SQLite data). */
export async function startTemporalServer(cli: string, dataDir: string, processes: ManagedProcess[], ports?: TemporalPorts): Promise<TemporalServer> {
  const dir = join(dataDir, 'temporal');
  mkdirSync(dir, { recursive: true });
  const [grpcPort, uiPort, httpPort, metricsPort] = ports ?? ((await freePorts(4)) as TemporalPorts);
  const address = `127.0.0.1:${grpcPort}`;
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(grpcPort),
    '--ui-port', String(uiPort),
    '--http-port', String(httpPort),
    '--metrics-port', String(metricsPort),
    '--db-filename', join(dir, 'temporal.sqlite'),
    '--namespace', SANDBOX_TEMPORAL_NAMESPACE,
    '--log-level', 'warn',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  const proc = new ManagedProcess({ name: 'temporal', command: cli, args, logFile: join(dataDir, 'logs', 'temporal.log') });
  processes.push(proc);
  const options = { timeoutMs: 120_000, failIf: () => proc.exitMessage() };
  await waitFor(
    async () => {
      const connection = await connectTemporal({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: SANDBOX_TEMPORAL_NAMESPACE });
        return true;
      } finally {
        await connection.close();
      }
    },
    { ...options, what: `Temporal frontend ${address}` },
  );
  await waitFor(() => isOk(uiUrl), { ...options, what: `Temporal Web UI ${uiUrl}` });
  return { address, namespace: SANDBOX_TEMPORAL_NAMESPACE, uiUrl, process: proc, ports: [grpcPort, uiPort, httpPort, metricsPort] };
}
