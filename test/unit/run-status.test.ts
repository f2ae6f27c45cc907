// The status written to the CR stays compact: 5,000 steps with long messages and outputs fit in 1 MiB.
import { describe, expect, it } from 'vitest';
import { applyStepEvent, buildDag, buildStatusUpdate, initialState, OBJECT_BYTES_LIMIT, STEP_STATUS_BUDGET, type StepStatus } from '../../core/index.js';
import { fitToObject, withPrecondition } from '../../activities/run-status.js';

const policy = { parallelism: 0, failFast: false };

function finishedRun(n: number, output: string, message: string, namePrefix = 'step-number-', allFail = false) {
  const built = buildDag(Array.from({ length: n }, (_, i) => ({ name: `${namePrefix}${i}`, dependsOn: [] })));
  if (!built.ok) throw new Error('invalid');
  const { dag } = built;
  const state = initialState(dag);
  for (let i = 0; i < n; i++) {
    applyStepEvent(dag, state, { type: 'started', step: i, at: '2026-01-01T00:00:00.123Z' }, policy);
    const at = '2026-01-01T00:00:01.456Z';
    applyStepEvent(dag, state, allFail || i % 2 ? { type: 'failed', step: i, at, message, attempts: 3, output } : { type: 'succeeded', step: i, at, output }, policy);
  }
  return buildStatusUpdate(dag, state, { phase: 'Failed', startTime: '2026-01-01T00:00:00.123Z', completionTime: '2026-01-01T00:10:00.000Z' });
}

describe('buildStatusUpdate', () => {
  it('keeps outputs and messages of a small run, with whole-second times and no empty fields', () => {
    const status = finishedRun(2, 'out', 'bad');
    expect(status.steps).toEqual([
      { name: 'step-number-0', phase: 'Succeeded', startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:01Z', output: 'out' },
      { name: 'step-number-1', phase: 'Failed', message: 'bad', attempts: 3, startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:01Z', output: 'out' },
    ]);
    expect(status).toMatchObject({ progress: '2/2', startTime: '2026-01-01T00:00:00Z' });
  });

  it('drops messages when even cut ones do not fit, keeping name, phase, attempts and times', () => {
    const status = finishedRun(5000, 'o', 'm'.repeat(4096), 'a-rather-long-step-name-of-fifty-characters-', true);
    expect(JSON.stringify(status.steps).length).toBeLessThanOrEqual(STEP_STATUS_BUDGET);
    expect(status.steps[0]).toEqual({
      name: 'a-rather-long-step-name-of-fifty-characters-0',
      phase: 'Failed',
      attempts: 3,
      startTime: '2026-01-01T00:00:00Z',
      completionTime: '2026-01-01T00:00:01Z',
    });
  });

  it('stays under 1 MiB for 5,000 steps with 4 KiB outputs and messages, dropping outputs and cutting messages', () => {
    const status = finishedRun(5000, 'o'.repeat(4096), 'm'.repeat(4096));
    const size = JSON.stringify(status).length;
    expect(size).toBeLessThan(1024 * 1024);
    expect(JSON.stringify(status.steps).length).toBeLessThanOrEqual(STEP_STATUS_BUDGET);
    expect(status.steps.every((s) => s.output === undefined && (s.message ?? '').length <= 64)).toBe(true);
    expect(status.steps[1]).toMatchObject({ name: 'step-number-1', phase: 'Failed', attempts: 3, startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:01Z' });
    expect(status.stepCounts).toMatchObject({ total: 5000, succeeded: 2500, failed: 2500 });
  });
});

describe('fitToObject: a status write fits the room its stored object leaves', () => {
  const steps = (n: number, failedEvery = 0): StepStatus[] =>
    Array.from({ length: n }, (_, i) => ({
      name: `step-${i}`,
      phase: failedEvery && i % failedEvery === 0 ? 'Failed' : 'Succeeded',
      ...(failedEvery && i % failedEvery === 0 ? { reason: 'ActivityFailed', message: 'exit 1' } : {}),
      startTime: '2026-01-01T00:00:00Z',
      completionTime: '2026-01-01T00:00:01Z',
    }));
  const update = (list: StepStatus[]) => ({
    phase: 'Failed' as const,
    startTime: '2026-01-01T00:00:00Z',
    stepCounts: { total: list.length, pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 },
    progress: `${list.length}/${list.length}`,
    steps: list,
  });
  const stored = (specBytes: number) => ({ metadata: { uid: 'u' }, spec: { blob: 'x'.repeat(specBytes) } });

  it('leaves a status that fits untouched', () => {
    const status = update(steps(100));
    expect(fitToObject(status, stored(1000))).toBe(status);
  });

  it('cuts entries to name, phase and reason when the spec leaves too little room for times and messages', () => {
    const list = steps(5000, 10);
    const full = JSON.stringify(list).length;
    const room = full - 1000;
    const fitted = fitToObject(update(list), stored(OBJECT_BYTES_LIMIT - room));
    expect(fitted.stepsOmitted).toBeUndefined();
    expect(fitted.steps).toHaveLength(5000);
    expect(fitted.steps[0]).toEqual({ name: 'step-0', phase: 'Failed', reason: 'ActivityFailed' });
    expect(fitted.steps[1]).toEqual({ name: 'step-1', phase: 'Succeeded' });
  });

  it('keeps the steps that did not succeed first and says how many entries it left out', () => {
    const list = steps(5000, 100);
    const fitted = fitToObject(update(list), stored(OBJECT_BYTES_LIMIT - 20_000));
    expect(JSON.stringify(fitted.steps).length).toBeLessThanOrEqual(20_000);
    expect(fitted.steps.filter((s) => s.phase === 'Failed')).toHaveLength(50);
    expect(fitted.stepsOmitted).toBe(5000 - fitted.steps.length);
    expect(fitted.stepsOmitted).toBeGreaterThan(0);
    // DAG order within what is kept; every count still counts all 5,000.
    expect(fitted.steps.map((s) => s.name).slice(0, 2)).toEqual(['step-0', 'step-1']);
    expect(fitted.stepCounts.total).toBe(5000);
  });
});

describe('withPrecondition: which status writes carry the resourceVersion they read', () => {
  const apply = { metadata: { name: 'r', namespace: 'ns' } };
  const running = { phase: 'Running' as const, startTime: '2026-01-01T00:00:00Z', stepCounts: { total: 1, pending: 0, running: 1, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 }, progress: '0/1', steps: [] };
  const stored = (runId: string) => ({ metadata: { uid: 'u', resourceVersion: '7' }, status: { phase: 'Running' as const, temporal: { namespace: 'default', workflowId: 'w', runId, taskQueue: 'q' } } });

  it('a progress write of the run the CR names carries it: a late one cannot reopen an ended run', () => {
    expect(withPrecondition(apply, running, stored('run-1'), 'run-1').metadata).toEqual({ name: 'r', namespace: 'ns', resourceVersion: '7' });
  });

  it('the first write of a new run after continue-as-new does not: the bridge names that run on the CR about then', () => {
    expect(withPrecondition(apply, running, stored('run-1'), 'run-2').metadata).toEqual({ name: 'r', namespace: 'ns' });
  });
});
