// Two bridge replicas: only the Lease holder reconciles; when it dies the other takes over.
import { CoreV1Api, CoordinationV1Api } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createController } from '../../bridge/controller.js';
import { createLeaderElector } from '../../bridge/leader-election.js';
import { createMetrics } from '../../bridge/metrics.js';
import { installCrds } from '../../sandbox/kubernetes/apply.js';
import { waitFor } from '../../sandbox/wait.js';
import { kubeConfig, kubectl, sandboxEnv, uniqueName } from '../support/sandbox.js';
import { startTestWorker, type TestWorker } from '../support/temporal.js';

let tw: TestWorker;
let ns: string;
const lease = uniqueName('lease');

function replica(identity: string) {
  const metrics = createMetrics();
  const controller = createController({
    kubeConfig: kubeConfig(),
    client: tw.client,
    settings: { temporalNamespace: 'default', taskQueue: tw.taskQueue, uiBaseUrl: '' },
    namespaces: [ns],
    identity,
    logger: pino({ level: 'silent' }),
    metrics,
  });
  const elector = createLeaderElector({
    kubeConfig: kubeConfig(),
    namespace: ns,
    name: lease,
    identity,
    leaseDurationSeconds: 10,
    retryPeriodMs: 2000,
    logger: pino({ level: 'silent' }),
    onStartedLeading: () => controller.start(),
    onStoppedLeading: () => controller.stop(),
  });
  return { identity, metrics, controller, elector, started: async () => (await metrics.runsStarted.get()).values[0]?.value ?? 0 };
}

let a: ReturnType<typeof replica>;
let b: ReturnType<typeof replica>;

beforeAll(async () => {
  await installCrds(sandboxEnv().KUBECONFIG);
  ns = uniqueName('leader');
  await kubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  tw = await startTestWorker();
  a = replica('replica-a');
  b = replica('replica-b');
  a.elector.start();
  await waitFor(() => (a.elector.leading ? true : undefined), { what: 'replica-a leading', timeoutMs: 20_000 });
  b.elector.start();
});
afterAll(async () => {
  await a?.elector.stop();
  await b?.elector.stop();
  await tw?.stop();
});

async function runToSuccess(name: string) {
  const applied = await kubectl(['apply', '-n', ns, '-f', '-'], stringify({ apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name }, spec: { steps: [{ name: 'a', activity: { name: 'sleep', input: { seconds: 0 } } }] } }));
  expect(applied.code).toBe(0);
  await waitFor(async () => ((await kubectl(['get', 'orchrun', name, '-n', ns, '-o', 'jsonpath={.status.phase}'])).stdout === 'Succeeded' ? true : undefined), {
    what: `run ${name} Succeeded`,
    timeoutMs: 60_000,
  });
}

describe('leader election', () => {
  it('lets only the lease holder reconcile', async () => {
    await runToSuccess(uniqueName('first'));
    expect(b.elector.leading).toBe(false);
    expect(await a.started()).toBe(1);
    expect(await b.started()).toBe(0);
    const holder = await kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ name: lease, namespace: ns });
    expect(holder.spec?.holderIdentity).toBe('replica-a');
  });

  it('hands over to the other replica when the leader dies', { timeout: 90_000 }, async () => {
    // Dying: it stops renewing and reconciling but does not release the lease, as a killed process would.
    await a.elector.stop();
    await waitFor(() => (b.elector.leading ? true : undefined), { what: 'replica-b takes over', timeoutMs: 30_000 });
    await runToSuccess(uniqueName('second'));
    expect(await b.started()).toBe(1);
  });
});
