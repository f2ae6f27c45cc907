// Issue 10 chaos: kube-apiserver restarted while runs are in flight. Watches break and relist, status writes
// and user requests fail for a while; every run still ends as it would have. A control plane of its own
// (etcd, apiserver, controllers), with the bridge and the worker as processes: restarting the shared
// apiserver would disturb every other test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Connection } from '@temporalio/client';
import { Client } from '@temporalio/client';
import { connectTemporal } from '../../common/temporal-connection.js';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../sandbox/kubernetes/control-plane.js';
import { installCrds } from '../../sandbox/kubernetes/apply.js';
import { ManagedProcess, stopAll } from '../../sandbox/process.js';
import { ensureTools } from '../../sandbox/tools/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { actOnRuns, createMixedRuns, FULL } from '../support/chaos.js';
import { expectInvariants, listRuns, type Kubectl } from '../support/invariants.js';
import { superviseBridgeProcess, superviseWorkerProcess } from '../support/processes.js';
import { runCommand } from '../support/run.js';
import { sandboxEnv, uniqueName } from '../support/sandbox.js';

// The outage is the fault under test, not a synchronisation.
const OUTAGE_S = FULL ? 30 : 10;
const dir = mkdtempSync(join(tmpdir(), 'apiserver-restart-'));
const servers: ManagedProcess[] = [];
const services: { stop(): Promise<void> }[] = [];
let cluster: ControlPlane;
let connection: Connection;
let k: Kubectl;

beforeAll(async () => {
  cluster = await startControlPlane(await ensureTools(() => undefined), dir, servers);
  k = (args, input) => runCommand('kubectl', args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, input });
  await installCrds(cluster.kubeconfig);
  connection = await connectTemporal({ address: sandboxEnv().TEMPORAL_ADDRESS });
}, 300_000);
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await connection?.close();
  await stopAll(servers).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('kube-apiserver restarted', () => {
  it(`down for ${OUTAGE_S} s mid-run: watches relist and every run ends as without the restart`, { timeout: 600_000 }, async () => {
    const ns = uniqueName('chaosapi');
    await k(['create', 'namespace', ns]);
    const taskQueue = uniqueName('tq');
    const env = { KUBECONFIG: cluster.kubeconfig };
    const leaseName = uniqueName('lease');
    services.push(superviseWorkerProcess({ taskQueue, env }));
    // The bridge exits when it cannot renew its Lease during the outage; like its Deployment, restart it.
    services.push(superviseBridgeProcess({ taskQueue, namespace: ns, leaseName, env }));
    const expected = await createMixedRuns(ns, 'api', FULL ? 10 : 2, ['ok', 'fail', 'cancel', 'delete'], 20, k);
    const user = actOnRuns(ns, expected, 300_000, k).then(() => undefined, (err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    // Wait until the ok runs run, so the restart lands mid-step.
    await waitFor(
      async () => {
        const runs = await listRuns(ns, k);
        return runs.filter((r) => r.name.includes('-ok-') && r.phase === 'Running').length === [...expected.keys()].filter((n) => n.includes('-ok-')).length ? true : undefined;
      },
      { what: 'the ok runs Running', timeoutMs: 120_000 },
    );
    const apiserver = servers.find((s) => s.name === 'kube-apiserver' && s.running)!;
    await apiserver.stop();
    await delay(OUTAGE_S * 1000);
    servers.push(new ManagedProcess(apiserver.options));
    await waitFor(async () => ((await k(['get', '--raw', '/readyz'])).code === 0 ? true : undefined), { what: 'kube-apiserver ready again', timeoutMs: 120_000 });
    const userError = await user;
    if (userError) throw userError;
    await expectInvariants(new Client({ connection, namespace: sandboxEnv().TEMPORAL_NAMESPACE }), ns, expected, 300_000, k);
  });
});
