// The status written to the CR stays compact: 5,000 steps with long messages and outputs fit in 1 MiB.
import { describe, expect, it } from 'vitest';
import { applyStepEvent, buildDag, buildStatusUpdate, initialState, STEP_STATUS_BUDGET } from '../../core/index.js';

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
