// No orphans across bridge restarts: a run removed while no bridge ran (its finalizer cleared by hand, then
// deleted) leaves a running workflow behind; the next bridge, with nothing in memory, finds it by search
// attribute and cancels it as a deletion.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createController } from '../../bridge/controller.js';
import { createMetrics } from '../../bridge/metrics.js';
import { cancelRequestFromHistory } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { kubeConfig, kubectl, sandboxEnv, uniqueName } from '../support/sandbox.js';

let h: BridgeHarness;
let next: ReturnType<typeof createController> | undefined;
beforeAll(async () => {
  h = await startBridgeHarness('orphans', { controller: { orphanSweepMs: 1000 } });
});
afterAll(async () => {
  await next?.stop();
  await h?.stop();
});

describe('orphan sweep', () => {
  it('cancels, as a deletion, the workflow of a run removed while no bridge ran', async () => {
    const name = uniqueName('gone');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'wait', activity: { name: 'sleep', input: { seconds: 600 } } }] });
    const running = await h.phaseOf(name, 'Running');
    const handle = h.tw.client.workflow.getHandle(running.temporal!.workflowId);

    await h.controller.stop();
    expect((await kubectl(['patch', 'orchrun', name, '-n', h.ns, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])).code).toBe(0);
    expect((await kubectl(['delete', 'orchrun', name, '-n', h.ns])).code).toBe(0);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // A new bridge: a fresh controller, as after a restart.
    const metrics = createMetrics();
    next = createController({
      kubeConfig: kubeConfig(),
      client: h.tw.client,
      settings: { temporalNamespace: sandboxEnv().TEMPORAL_NAMESPACE, taskQueue: h.tw.taskQueue, uiBaseUrl: '' },
      namespaces: [h.ns],
      identity: 'test-bridge-restarted',
      logger: pino({ level: process.env.BRIDGE_TEST_LOG ?? 'silent' }),
      metrics,
      orphanSweepMs: 1000,
    });
    await next.start();
    await waitFor(async () => ((await handle.describe()).status.name === 'CANCELLED' ? true : undefined), { what: `workflow of ${name} Cancelled`, timeoutMs: 30_000 });
    const history = await handle.fetchHistory();
    const requested = (history.events ?? []).find((e) => e.workflowExecutionCancelRequestedEventAttributes)?.workflowExecutionCancelRequestedEventAttributes;
    expect(cancelRequestFromHistory(requested?.cause ?? undefined, requested?.identity ?? undefined)).toEqual({ reason: 'Deletion', cancelledBy: 'deletion' });
  });
});
