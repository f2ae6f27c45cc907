// A finished run whose status records its end is decided from the CR alone: the bridge's resyncs of it
// read nothing from Temporal (counted by orchestration_bridge_temporal_reads_total), while a running run is
// still read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { uniqueName } from '../support/sandbox.js';

let h: BridgeHarness;
beforeAll(async () => {
  // Resync every 300 ms: many passes over the finished run in a short test.
  h = await startBridgeHarness('finreads', { controller: { resyncMs: 300 } });
});
afterAll(async () => {
  await h?.stop();
});

const counter = async (name: string, labels: Record<string, string> = {}) => {
  const metric = await h.metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
};
const reads = () => counter('orchestration_bridge_temporal_reads_total', { call: 'describe' });
const reconciles = () => counter('orchestration_bridge_reconciles_total');

describe('Temporal reads of finished runs', () => {
  it('reads nothing from Temporal for a finished, recorded run over many resyncs', async () => {
    const name = uniqueName('done');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'quick', activity: { name: 'sleep', input: { seconds: 0 } } }] });
    const finished = await h.phaseOf(name, 'Succeeded');
    expect(finished.completionTime).toBeDefined();
    // The bridge has caught up with the end (a pass after it was recorded); from here on, only resyncs.
    const settled = await waitFor(
      async () => {
        const before = { reads: await reads(), reconciles: await reconciles() };
        return before.reconciles > 0 ? before : undefined;
      },
      { what: 'a reconcile pass', timeoutMs: 10_000 },
    );
    // Let the workflow's close (seen by the closed-workflow query, one read) pass before counting.
    const start = await waitFor(
      async () => {
        const now = { reads: await reads(), reconciles: await reconciles() };
        return now.reconciles >= settled.reconciles + 3 ? now : undefined;
      },
      { what: 'three more reconcile passes', timeoutMs: 20_000 },
    );
    const end = await waitFor(
      async () => {
        const now = { reads: await reads(), reconciles: await reconciles() };
        return now.reconciles >= start.reconciles + 20 ? now : undefined;
      },
      { what: '20 resyncs of the finished run', timeoutMs: 30_000 },
    );
    console.log(`finished run: ${end.reconciles - start.reconciles} reconcile passes, ${end.reads - start.reads} Temporal describe calls`);
    expect(end.reads - start.reads).toBe(0);
  });

  it('still reads the workflow of a running run at each pass', async () => {
    const name = uniqueName('busy');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'wait', activity: { name: 'sleep', input: { seconds: 30 } } }] });
    await h.phaseOf(name, 'Running');
    const start = { reads: await reads(), reconciles: await reconciles() };
    const end = await waitFor(
      async () => {
        const now = { reads: await reads(), reconciles: await reconciles() };
        return now.reconciles >= start.reconciles + 10 ? now : undefined;
      },
      { what: '10 more reconcile passes', timeoutMs: 30_000 },
    );
    expect(end.reads - start.reads).toBeGreaterThan(0);
    await h.tw.client.workflow.getHandle((await h.status(name)).temporal!.workflowId).terminate('test over');
  });
});
