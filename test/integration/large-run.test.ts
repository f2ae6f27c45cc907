// The largest run the API takes (MAX_STEPS) completes through the bridge, with every step on its CR.
// Two limits stood in its way: Temporal fails a workflow task that leaves more than 2,000 activities
// pending (a wide fan-out never started a step), and etcd refuses objects over 1.5 MiB (the step list was a
// list-map, one managedFields entry per step: spec, managedFields and status of 5,000 steps passed it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STEPS } from '../../core/index.js';
import { MAX_INFLIGHT_STEPS } from '../../workflows/orchestration-run-workflow.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { kubectl, uniqueName } from '../support/sandbox.js';
import { waitFor } from '../../sandbox/wait.js';

let h: BridgeHarness;
beforeAll(async () => {
  h = await startBridgeHarness('large');
});
afterAll(async () => {
  await h?.stop();
});

const ETCD_REQUEST_LIMIT = 1.5 * 1024 * 1024;

describe('the largest run', () => {
  it('runs on a worker whose deadlock detector gives a starved activation a minute, not 5 s', () => {
    // Past it the SDK terminates V8 in the workflow thread, which can abort the whole process on Node 20.
    expect(h.tw.worker.options.isolateExecutionTimeoutMs).toBe(60_000);
  });

  it(`runs a ${MAX_STEPS}-step fan-out with no parallelism cap to Succeeded, every step listed, the object within etcd's limit`, { timeout: 900_000 }, async () => {
    expect(MAX_STEPS - 1).toBeGreaterThan(2000); // wider than Temporal's pending-activity limit
    const name = uniqueName('fan');
    const steps = [
      { name: 'root', activity: { name: 'sleep', input: { seconds: 0 } } },
      ...Array.from({ length: MAX_STEPS - 1 }, (_, i) => ({ name: `leaf-${i}`, dependsOn: ['root'], activity: { name: 'sleep', input: { seconds: 0 } } })),
    ];
    const object = { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name, namespace: h.ns }, spec: { steps } };
    // Server-side apply, as the README says for runs over 256 KiB.
    const created = await kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(object));
    expect(created.stderr).toBe('');

    // While it runs, no more than MAX_INFLIGHT_STEPS steps are Running at once.
    const running = await h.phaseOf(name, 'Running', 120_000);
    expect(running.stepCounts?.total).toBe(MAX_STEPS);

    let mostRunning = 0;
    const done = await waitFor(
      async () => {
        const s = await h.status(name);
        mostRunning = Math.max(mostRunning, s.stepCounts?.running ?? 0);
        return s.phase === 'Succeeded' || s.phase === 'Failed' ? s : undefined;
      },
      { what: `run ${name} finished`, timeoutMs: 840_000, intervalMs: 500 },
    );
    expect(mostRunning).toBeGreaterThan(0);
    expect(mostRunning).toBeLessThanOrEqual(MAX_INFLIGHT_STEPS);
    expect(done.phase).toBe('Succeeded');
    expect(done.stepCounts).toMatchObject({ total: MAX_STEPS, succeeded: MAX_STEPS });
    expect(done.progress).toBe(`${MAX_STEPS}/${MAX_STEPS}`);
    expect(done.steps).toHaveLength(MAX_STEPS);
    expect(done.stepsOmitted).toBeUndefined();
    expect(done.steps!.every((s) => s.phase === 'Succeeded' && s.startTime && s.completionTime)).toBe(true);

    // The stored object, managedFields included, as etcd holds it; the status alone under 1 MiB.
    const got = await kubectl(['get', 'orchrun', name, '-n', h.ns, '-o', 'json', '--show-managed-fields']);
    const stored = JSON.parse(got.stdout) as { status: unknown; metadata: { managedFields: unknown[] } };
    expect(JSON.stringify(stored).length).toBeLessThan(ETCD_REQUEST_LIMIT);
    expect(JSON.stringify(stored.status).length).toBeLessThan(1024 * 1024);
    // One entry per field manager, not one per step.
    expect(JSON.stringify(stored.metadata.managedFields).length).toBeLessThan(10_000);
  });
});
