// A 5,000-step run completes within Temporal's history limits by continuing as new, keeping its state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../core/index.js';
import { getRunState } from '../../workflows/definitions.js';
import { outcome, snapshotOf, startRun, startTestWorker, type TestWorker } from '../support/temporal.js';

let tw: TestWorker;
beforeAll(async () => {
  tw = await startTestWorker();
});
afterAll(async () => {
  await tw?.stop();
});

describe('scale', () => {
  it('runs 5,000 steps (fan-out, then a layer of joins) to completion across generations', { timeout: 600_000 }, async () => {
    const roots = 4500;
    const steps: Step[] = [
      ...Array.from({ length: roots }, (_, i): Step => ({ name: `r${i}`, dependsOn: [], activity: { name: 'sleep', input: { seconds: 0 } } })),
      ...Array.from({ length: 5000 - roots }, (_, i): Step => ({ name: `j${i}`, dependsOn: [`r${i}`, `r${i + 1}`], activity: { name: 'sleep', input: { seconds: 0 } } })),
    ];
    const handle = await startRun(tw, snapshotOf(steps, { policy: { parallelism: 500, failFast: false } }));
    const { result, error } = await outcome(handle);
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ phase: 'Succeeded', stepCounts: { total: 5000, succeeded: 5000 } });
    expect(result!.generations).toBeGreaterThan(1);
    const state = await handle.query(getRunState);
    expect(state.steps.filter((s) => s.phase === 'Succeeded')).toHaveLength(5000);
    // Every generation stayed far inside the 51,200-event limit.
    const history = await handle.fetchHistory();
    expect(history.events!.length).toBeLessThan(51_200);
  });
});
