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
  it('leaves a finished, recorded run out of resyncs: no pass over it, no Temporal read', async () => {
    const name = uniqueName('done');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'quick', activity: { name: 'sleep', input: { seconds: 0 } } }] });
    const finished = await h.phaseOf(name, 'Succeeded');
    expect(finished.completionTime).toBeDefined();
    // A running run beside it: its resyncs drive the count, and each of its passes reads its workflow once.
    const busy = uniqueName('busy');
    await h.apply('OrchestrationRun', busy, { steps: [{ name: 'wait', activity: { name: 'sleep', input: { seconds: 60 } } }] });
    await h.phaseOf(busy, 'Running');
    // Let the finished run's last events (its workflow's close, seen once by the closed-workflow query) pass.
    const start = { reads: await reads(), reconciles: await reconciles() };
    const settled = await waitFor(
      async () => {
        const now = { reads: await reads(), reconciles: await reconciles() };
        return now.reconciles >= start.reconciles + 10 ? now : undefined;
      },
      { what: 'ten more reconcile passes', timeoutMs: 20_000 },
    );
    const end = await waitFor(
      async () => {
        const now = { reads: await reads(), reconciles: await reconciles() };
        return now.reconciles >= settled.reconciles + 20 ? now : undefined;
      },
      { what: '20 more reconcile passes', timeoutMs: 30_000 },
    );
    console.log(`over ${end.reconciles - settled.reconciles} reconcile passes: ${end.reads - settled.reads} Temporal describe calls`);
    // Every pass was the running run's (one describe each): the finished run had none, and read nothing.
    expect(end.reads - settled.reads).toBe(end.reconciles - settled.reconciles);
    await h.tw.client.workflow.getHandle((await h.status(busy)).temporal!.workflowId).terminate('test over');
  });
});
