/**
 * Starts the Temporal dev server again on the data and gRPC port of one that was stopped, as an operator
 * restarting it after an outage: clients connected to the old address reconnect to the same history.
 * sandbox/temporal-server.ts picks fresh ports at each start, so the flags are repeated here.
 */
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../core/search-attributes.js';
import { freePorts } from '../../sandbox/ports.js';
import { ManagedProcess } from '../../sandbox/process.js';
import { SANDBOX_TEMPORAL_NAMESPACE } from '../../sandbox/temporal-server.js';
import { waitFor } from '../../sandbox/wait.js';

export async function restartTemporalServer(cli: string, dataDir: string, address: string): Promise<ManagedProcess> {
  const port = address.split(':').at(-1)!;
  const [uiPort, httpPort, metricsPort] = (await freePorts(3)) as [number, number, number];
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', port,
    '--ui-port', String(uiPort),
    '--http-port', String(httpPort),
    '--metrics-port', String(metricsPort),
    '--db-filename', join(dataDir, 'temporal', 'temporal.sqlite'),
    '--namespace', SANDBOX_TEMPORAL_NAMESPACE,
    '--log-level', 'warn',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  const proc = new ManagedProcess({ name: 'temporal (restarted)', command: cli, args, logFile: join(dataDir, 'logs', 'temporal-restarted.log') });
  await waitFor(
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: SANDBOX_TEMPORAL_NAMESPACE });
        return true;
      } finally {
        await connection.close();
      }
    },
    { what: `restarted Temporal frontend ${address}`, timeoutMs: 120_000, failIf: () => proc.exitMessage() },
  );
  return proc;
}
