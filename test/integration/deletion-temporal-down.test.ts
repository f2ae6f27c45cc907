// Seed 002 and issue 10: deletion never deadlocks on cleanup, and leaves no orphan. With the Temporal server
// stopped, a deleted run is still released within JANGAR_CONTROLLER_FINALIZER_CLEANUP_TIMEOUT_MS, with a
// Warning Event naming the error; once Temporal is back (same data), the run's workflow is cancelled as a
// deletion, and no workflow of ours runs without its run.
// A Temporal server of its own: stopping the shared one would break every other test.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, runObjectRef } from '../../activities/kube.js';
import { cancelRequestFromHistory } from '../../core/index.js';
import type { ManagedProcess } from '../../sandbox/process.js';
import { startTemporalServer, type TemporalServer } from '../../sandbox/temporal-server.js';
import { waitFor } from '../../sandbox/wait.js';
import { searchAttributeKeys } from '../../workflows/definitions.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { kubeConfig, kubectl, sandboxEnv, uniqueName } from '../support/sandbox.js';
import { startTestWorker, type TestWorker } from '../support/temporal.js';

const CLEANUP_TIMEOUT_MS = 4000;
let dir: string;
let temporal: TemporalServer;
let restarted: ManagedProcess | undefined;
let worker: TestWorker | undefined;
let h: BridgeHarness;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'temporal-down-'));
  mkdirSync(join(dir, 'logs'));
  temporal = await startTemporalServer(sandboxEnv().TEMPORAL_CLI, dir, [] as ManagedProcess[]);
  h = await startBridgeHarness('deldown', {
    worker: { temporalAddress: temporal.address },
    settings: { cleanupTimeoutMs: CLEANUP_TIMEOUT_MS },
    controller: { orphanSweepMs: 1000 },
  });
});
afterAll(async () => {
  await worker?.stop();
  await h?.stop();
  await restarted?.stop();
  await temporal?.process.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Whether the run (by name) is still in the apiserver. */
async function exists(namespace: string, name: string): Promise<boolean> {
  try {
    await kubeConfig().makeApiClient(CustomObjectsApi).getNamespacedCustomObject(runObjectRef({ namespace, name }));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

describe('deletion while Temporal is unreachable', () => {
  it('releases the run within the cleanup timeout with CleanupFailed, then cancels its workflow once Temporal is back', async () => {
    const name = uniqueName('orphan');
    // Retries, so that the step's activity, lost with its worker, runs again instead of failing the run first.
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'wait', retry: { maxAttempts: 10 }, activity: { name: 'sleep', input: { seconds: 600 } } }] });
    const running = await waitFor(async () => {
      const s = await h.status(name);
      return s.phase === 'Running' ? s : undefined;
    }, { what: `run ${name} Running`, timeoutMs: 60_000 });
    const workflowId = running.temporal!.workflowId;
    await h.tw.stopWorker();
    await temporal.process.stop();

    const deletedAt = Date.now();
    expect((await kubectl(['delete', 'orchrun', name, '-n', h.ns, '--wait=false'])).code).toBe(0);
    await waitFor(async () => ((await exists(h.ns, name)) ? undefined : true), { what: `run ${name} released`, timeoutMs: CLEANUP_TIMEOUT_MS + 20_000, intervalMs: 50 });
    const releasedAfterMs = Date.now() - deletedAt;
    console.log(`finalizer released ${releasedAfterMs} ms after kubectl delete (cleanup timeout ${CLEANUP_TIMEOUT_MS} ms, Temporal down)`);
    expect(releasedAfterMs).toBeLessThanOrEqual(CLEANUP_TIMEOUT_MS);
    const warning = (await h.events(name)).find((e) => e.reason === 'CleanupFailed');
    expect(warning?.type).toBe('Warning');
    expect(warning?.message).toMatch(/could not reach Temporal within 4000 ms of the deletion \(.+\); released the run anyway/);

    // Temporal comes back on the same data, with a worker on the run's task queue.
    restarted = (await startTemporalServer(sandboxEnv().TEMPORAL_CLI, dir, [], temporal.ports)).process;
    worker = await startTestWorker({ temporalAddress: temporal.address, taskQueue: h.tw.taskQueue });
    const handle = worker.client.workflow.getHandle(workflowId);
    const back = Date.now();
    await waitFor(async () => ((await handle.describe()).status.name === 'CANCELLED' ? true : undefined), { what: `workflow ${workflowId} Cancelled`, timeoutMs: 60_000 });
    console.log(`orphaned workflow Cancelled ${Date.now() - back} ms after Temporal was back`);

    // The history records the deletion as the cause: the bridge's cancel request, read back as the bridge does.
    const history = await handle.fetchHistory();
    const requested = (history.events ?? []).flatMap((event) => (event.workflowExecutionCancelRequestedEventAttributes ? [event.workflowExecutionCancelRequestedEventAttributes] : []));
    expect(requested.length).toBeGreaterThan(0);
    expect(cancelRequestFromHistory(requested[0]!.cause ?? undefined, requested[0]!.identity ?? undefined)).toEqual({ reason: 'Deletion', cancelledBy: 'deletion' });

    // No workflow of ours is left running without its run.
    // (visibility is eventually consistent: a workflow that just closed may still be listed as running).
    await waitFor(
      async () => {
        const orphans: string[] = [];
        for await (const wf of worker!.client.workflow.list({ query: `OrchestrationRunNamespace = '${h.ns}' AND ExecutionStatus = 'Running'` })) {
          const runName = wf.typedSearchAttributes.get(searchAttributeKeys.OrchestrationRunName);
          if (!runName || !(await exists(h.ns, runName))) orphans.push(wf.workflowId);
        }
        return orphans.length === 0 ? true : undefined;
      },
      { what: `no running workflow of namespace ${h.ns} without its run`, timeoutMs: 30_000 },
    );
    const cancelRequests = (await h.metrics.registry.getSingleMetric('orchestration_orphan_workflows_cancelled_total')?.get())?.values[0]?.value ?? 0;
    expect(cancelRequests).toBeGreaterThanOrEqual(1);
  });
});
