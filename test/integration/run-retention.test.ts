// Retention of finished runs (seed 004): the bridge deletes a finished run once its ttl ran out, through
// the finalizer like any deletion; the garbage collector takes its Jobs; Temporal keeps its history.
import { BatchV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobSelector } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { kubeConfig, kubectl, temporalCli, uniqueName } from '../support/sandbox.js';

let h: BridgeHarness;

beforeAll(async () => {
  h = await startBridgeHarness('retention');
});
afterAll(async () => {
  await h?.stop();
});

const exists = async (name: string) => (await kubectl(['get', 'orchrun', name, '-n', h.ns, '-o', 'name'])).code === 0;

describe('run retention', () => {
  it('deletes a finished run when its ttl ran out, leaves a running one alone, and Temporal keeps the history', async () => {
    const finished = uniqueName('done');
    const running = uniqueName('busy');
    await h.apply('OrchestrationRun', running, { ttlSecondsAfterFinished: 0, steps: [{ name: 'long', activity: { name: 'sleep', input: { seconds: 600 } } }] });
    await h.apply('OrchestrationRun', finished, { ttlSecondsAfterSuccess: 3, steps: [{ name: 'build', job: { image: 'busybox' } }] });

    const done = await waitFor(
      async () => {
        const s = await h.status(finished);
        return s.phase === 'Succeeded' && s.retention ? s : undefined;
      },
      { what: `run ${finished} Succeeded with its retention shown`, timeoutMs: 60_000 },
    );
    expect(done.retention).toEqual({ ttlSeconds: 3, source: 'ttlSecondsAfterSuccess', deleteAt: expect.any(String) as string });
    expect(Date.parse(done.retention!.deleteAt) - Date.parse(done.completionTime!)).toBe(3000);
    expect((await h.events(finished)).map((e) => e.reason)).not.toContain('RetentionExpired');

    await waitFor(async () => ((await exists(finished)) ? undefined : true), { what: `run ${finished} deleted`, timeoutMs: 30_000 });
    expect(await h.metrics.runsExpired.get().then((m) => m.values[0]?.value)).toBeGreaterThanOrEqual(1);
    // The garbage collector deletes the run's Jobs (they are owned by it). It may first need its periodic
    // (30 s) discovery to learn the CRD's type when the sandbox is fresh.
    const batch = kubeConfig().makeApiClient(BatchV1Api);
    await waitFor(async () => ((await batch.listNamespacedJob({ namespace: h.ns, labelSelector: runJobSelector({ uid: done.uid }) })).items.length === 0 ? true : undefined), {
      what: `Jobs of ${finished} collected`,
      timeoutMs: 90_000,
    });
    // status.temporal.uiUrl still leads somewhere: the workflow and its history stay in Temporal.
    const described = await temporalCli(['workflow', 'describe', '--workflow-id', done.temporal!.workflowId, '--output', 'json']);
    expect(described.code).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({ workflowExecutionInfo: { status: 'WORKFLOW_EXECUTION_STATUS_COMPLETED' } });

    // A ttl of 0 applies only once a run has finished.
    const busy = await h.status(running);
    expect(busy.phase).toBe('Running');
    expect(busy.retention).toBeUndefined();
  });
});
