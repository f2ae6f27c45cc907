/**
 * A bridge and a worker of this project against the shared sandbox, watching one fresh namespace: what
 * tests need to act as a user (kubectl apply) and to read what a user would see (status, Events, Jobs).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import pino from 'pino';
import { stringify } from 'yaml';
import { createController, type ControllerOptions } from '../../bridge/controller.js';
import { createMetrics } from '../../bridge/metrics.js';
import type { BridgeSettings } from '../../bridge/types.js';
import type { OrchestrationRunStatus } from '../../core/index.js';
import { installCrds } from '../../sandbox/kubernetes/apply.js';
import { waitFor } from '../../sandbox/wait.js';
import { kubeConfig, kubectl, sandboxEnv, uniqueName } from './sandbox.js';
import { startTestWorker, type TestWorker, type TestWorkerOptions } from './temporal.js';

export type RunView = OrchestrationRunStatus & { finalizers?: string[]; uid: string };

/** A namespace whose default ServiceAccount exists, so that Pods (of Jobs) are admitted. */
export async function createNamespace(prefix: string): Promise<string> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const namespace = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await waitFor(async () => ((await core.readNamespacedServiceAccount({ name: 'default', namespace }).catch(() => undefined)) ? true : undefined), {
    what: `ServiceAccount ${namespace}/default`,
    timeoutMs: 30_000,
  });
  return namespace;
}

export async function startBridgeHarness(
  prefix: string,
  options: { worker?: TestWorkerOptions; settings?: Partial<BridgeSettings>; controller?: Pick<ControllerOptions, 'resyncMs' | 'orphanSweepMs' | 'scheduleResyncMs' | 'scheduleSweepMs'> } = {},
) {
  await installCrds(sandboxEnv().KUBECONFIG);
  const ns = await createNamespace(prefix);
  const tw: TestWorker = await startTestWorker(options.worker);
  const metrics = createMetrics();
  const controller = createController({
    kubeConfig: kubeConfig(),
    client: tw.client,
    settings: { temporalNamespace: sandboxEnv().TEMPORAL_NAMESPACE, taskQueue: tw.taskQueue, uiBaseUrl: sandboxEnv().TEMPORAL_UI_URL, ...options.settings },
    namespaces: [ns],
    identity: 'test-bridge',
    logger: pino({ level: process.env.BRIDGE_TEST_LOG ?? 'silent' }),
    metrics,
    ...options.controller,
  });
  await controller.start();

  const apply = (kind: 'OrchestrationRun' | 'Orchestration' | 'OrchestrationSchedule', name: string, spec: unknown) =>
    kubectl(['apply', '-n', ns, '-f', '-'], stringify({ apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind, metadata: { name }, spec }));

  async function status(name: string): Promise<RunView> {
    const got = await kubectl(['get', 'orchrun', name, '-n', ns, '-o', 'json']);
    if (got.code !== 0) throw new Error(`kubectl get orchrun ${name}: ${got.stderr}`);
    const obj = JSON.parse(got.stdout) as { status?: OrchestrationRunStatus; metadata: { finalizers?: string[]; uid: string } };
    return { ...obj.status, finalizers: obj.metadata.finalizers, uid: obj.metadata.uid };
  }

  /** Waits until the run shows the phase (or one of the phases). */
  const phaseOf = (name: string, phase: string | string[], timeoutMs = 60_000) => {
    const wanted = Array.isArray(phase) ? phase : [phase];
    return waitFor(
      async () => {
        const s = await status(name);
        return s.phase && wanted.includes(s.phase) ? s : undefined;
      },
      { what: `run ${name} ${wanted.join(' or ')}`, timeoutMs },
    );
  };

  /** Reasons of the run's Events, as `kubectl get events` lists them. */
  async function events(name: string): Promise<{ reason: string; message: string; type: string }[]> {
    const out = await kubectl(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`, '-o', 'json']);
    return (JSON.parse(out.stdout) as { items: { reason: string; message: string; type: string }[] }).items;
  }

  return {
    ns,
    tw,
    metrics,
    controller,
    apply,
    status,
    phaseOf,
    events,
    async stop() {
      await controller.stop();
      await tw.stop();
    },
  };
}
export type BridgeHarness = Awaited<ReturnType<typeof startBridgeHarness>>;
