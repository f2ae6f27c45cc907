// needsWorkflowRead: which runs reconcile decides from the CR alone, with no Temporal read; and that deciding
// such a run without its workflow gives the same actions as deciding it with the closed workflow read.
import { describe, expect, it } from 'vitest';
import { RUNTIME_CLEANUP_FINALIZER, type OrchestrationRun, type OrchestrationRunStatus } from '../../core/index.js';
import { decide } from '../../bridge/decide.js';
import { needsWorkflowRead } from '../../bridge/finished-run.js';
import type { ReconcileInput, WorkflowView } from '../../bridge/types.js';

const NOW = '2026-11-23T12:00:00.000Z';
const temporal = { namespace: 'default', workflowId: 'orchestrationrun/ns/r1/u1', runId: 'run-1', taskQueue: 'tq' };
const at = '2026-11-23T11:59:00Z';

function run(status: OrchestrationRunStatus | undefined, extra: { deletionTimestamp?: string; ttl?: number } = {}): OrchestrationRun {
  return {
    apiVersion: 'orchestration.proompteng.ai/v1alpha1',
    kind: 'OrchestrationRun',
    metadata: { name: 'r1', namespace: 'ns', uid: 'u1', generation: 1, finalizers: [RUNTIME_CLEANUP_FINALIZER], ...(extra.deletionTimestamp ? { deletionTimestamp: extra.deletionTimestamp } : {}) },
    spec: { steps: [{ name: 'a', activity: { name: 'sleep', input: { seconds: 1 } } }], ...(extra.ttl !== undefined ? { ttlSecondsAfterFinished: extra.ttl } : {}) },
    ...(status ? { status } : {}),
  };
}

const ended = (phase: 'Succeeded' | 'Failed' | 'Cancelled', reason: string, more: Partial<OrchestrationRunStatus> = {}): OrchestrationRunStatus => ({
  phase,
  startTime: at,
  completionTime: '2026-11-23T11:59:30Z',
  temporal,
  conditions: [
    { type: 'Ready', status: 'True', reason: 'WorkflowStarted', lastTransitionTime: at },
    { type: 'Succeeded', status: phase === 'Succeeded' ? 'True' : 'False', reason, lastTransitionTime: at },
    ...(phase === 'Cancelled' ? [{ type: 'Cancelled' as const, status: 'True' as const, reason, lastTransitionTime: at }] : []),
  ],
  ...more,
});

const succeeded = ended('Succeeded', 'Succeeded');
const failed = ended('Failed', 'Failed');
const specCancelled = ended('Cancelled', 'SpecCancel', { cancelledBy: 'spec:kubectl-patch' });
const forced = ended('Cancelled', 'CancelTimeout', { cancelledBy: 'spec:kubectl-patch' });
const invalid: OrchestrationRunStatus = {
  phase: 'Failed',
  completionTime: at,
  conditions: [
    { type: 'Ready', status: 'False', reason: 'InvalidSpec', lastTransitionTime: at },
    { type: 'Succeeded', status: 'False', reason: 'InvalidSpec', lastTransitionTime: at },
  ],
};

describe('needsWorkflowRead', () => {
  it.each([
    ['a new run', undefined, {}, true],
    ['a running run', { phase: 'Running', temporal }, {}, true],
    ['a run the workflow marked Succeeded without completionTime yet', { ...succeeded, completionTime: undefined }, {}, true],
    ['a Cancelled run whose requester is still only in the history (TemporalCancel)', ended('Cancelled', 'TemporalCancel'), {}, true],
    ['a finished run being deleted', succeeded, { deletionTimestamp: at }, true],
    ['a finished run with a cancel still pending', { ...succeeded, cancelledBy: 'x', conditions: [...succeeded.conditions!, { type: 'Cancelled', status: 'Unknown', reason: 'SpecCancel', lastTransitionTime: at }] }, {}, true],
    ['a Succeeded run', succeeded, {}, false],
    ['a Failed run', failed, {}, false],
    ['a Cancelled run with its requester', specCancelled, {}, false],
    ['a run cancelled by force', forced, {}, false],
    ['an invalid run (no workflow ever)', invalid, {}, false],
  ] as const)('%s → %s', (_case, status, extra, expected) => {
    expect(needsWorkflowRead(run(status as OrchestrationRunStatus | undefined, extra))).toBe(expected);
  });
});

describe('a finished run decided from the CR alone', () => {
  const input = (r: OrchestrationRun, workflow: WorkflowView, now = NOW): ReconcileInput => ({
    run: r,
    orchestration: undefined,
    workflow,
    workflowId: temporal.workflowId,
    settings: { temporalNamespace: 'default', taskQueue: 'tq', uiBaseUrl: '' },
    now,
  });
  const closed = (status: Extract<WorkflowView, { found: true }>['status'], more: Partial<Extract<WorkflowView, { found: true }>> = {}): WorkflowView => ({
    found: true,
    runId: 'run-1',
    status,
    closeTime: '2026-11-23T11:59:30Z',
    ...more,
  });

  it.each([
    ['Succeeded', succeeded, closed('COMPLETED', { resultPhase: 'Succeeded' })],
    ['Failed', failed, closed('FAILED', { failureType: 'OrchestrationRunFailed' })],
    ['Cancelled', specCancelled, closed('CANCELLED')],
    ['forced Cancelled', forced, closed('TERMINATED')],
  ] as const)('%s: the same decision as with its closed workflow, kept or with its retention', (_case, status, view) => {
    for (const [ttl, now] of [[undefined, NOW], [60, NOW], [60, '2026-11-23T12:00:30.000Z']] as const) {
      const r = run(status, ttl === undefined ? {} : { ttl });
      expect(needsWorkflowRead(r)).toBe(false);
      expect(decide(input(r, { found: false, notRead: true }, now))).toEqual(decide(input(r, view, now)));
    }
  });
});

describe('deletion: the release lands within the cleanup timeout', () => {
  const settings = { temporalNamespace: 'default', taskQueue: 'tq', uiBaseUrl: '', cleanupTimeoutMs: 30_000 };
  const down: WorkflowView = { found: false, error: 'connect ECONNREFUSED' };
  const deleting = (deletedAt: string, now: string) =>
    decide({ run: run({ phase: 'Running', temporal }, { deletionTimestamp: deletedAt }), orchestration: undefined, workflow: down, workflowId: temporal.workflowId, settings, now });

  it.each([
    ['10 s in: looks again in 2 s', '2026-11-23T11:59:50Z', { actions: [], requeueAfterMs: 2000 }],
    ['28.5 s in: the next look is the deadline itself, 1 s before the timeout', '2026-11-23T11:59:31.5Z', { actions: [], requeueAfterMs: 500 }],
  ] as const)('%s', (_case, deletedAt, expected) => {
    expect(deleting(deletedAt, NOW)).toEqual(expected);
  });

  it('at the deadline (the timeout less the margin for the final writes): released with CleanupFailed', () => {
    const released = deleting('2026-11-23T11:59:31Z', NOW);
    expect(released.actions.map((a) => a.type)).toEqual(['event', 'removeFinalizer']);
    expect(released.actions[0]).toMatchObject({ eventType: 'Warning', reason: 'CleanupFailed', message: expect.stringMatching(/^could not reach Temporal within 30000 ms of the deletion \(connect ECONNREFUSED\)/) as string });
    expect(released.requeueAfterMs).toBeUndefined();
  });
});
