// One definition of a run's final status: what the workflow writes when it ends, applied over what the bridge
// wrote at start (server-side apply: conditions merge by type), is what decide() wants for the closed
// workflow. So the bridge has nothing to add, and no second writer races the first.
import { describe, expect, it } from 'vitest';
import { completeCancel, conditionsAfter, workflowStatusApply } from '../../activities/run-status.js';
import { decide } from '../../bridge/decide.js';
import type { ReconcileInput, WorkflowView } from '../../bridge/types.js';
import {
  applyStepEvent,
  buildStatusUpdate,
  deriveRunPhase,
  initialState,
  RUN_FAILED,
  RUNTIME_CLEANUP_FINALIZER,
  stepCounts,
  validateSteps,
  type Condition,
  type OrchestrationRun,
  type OrchestrationRunStatus,
  type Step,
} from '../../core/index.js';

const START = '2026-11-23T11:59:00.000Z';
const END = '2026-11-23T12:00:05.000Z';
const NOW = '2026-11-23T12:00:06.000Z';
const steps: Step[] = [
  { name: 'a', activity: { name: 'sleep', input: { seconds: 1 } } },
  { name: 'b', dependsOn: ['a'], activity: { name: 'sleep', input: { seconds: 1 } } },
];
const workflowId = 'orchestrationrun/ns/r1/u1';

/** What the bridge wrote once the workflow started, and a cancel it recorded, if any. */
function bridgeStatus(cancel?: { reason: string; cancelledBy: string }): OrchestrationRunStatus {
  const conditions: Condition[] = [{ type: 'Ready', status: 'True', reason: 'WorkflowStarted', lastTransitionTime: '2026-11-23T11:59:00Z' }];
  if (cancel) conditions.push({ type: 'Cancelled', status: 'Unknown', reason: cancel.reason, lastTransitionTime: '2026-11-23T12:00:00Z' });
  return {
    phase: 'Running',
    startTime: '2026-11-23T11:59:00Z',
    temporal: { namespace: 'default', workflowId, runId: 'run-1', taskQueue: 'tq' },
    conditions,
    ...(cancel ? { cancelledBy: cancel.cancelledBy } : {}),
  };
}

/** The workflow's last write, built by the same code the workflow and writeRunStatus run, applied over `before`. */
function afterFinalWrite(before: OrchestrationRunStatus, outcome: 'succeed' | 'fail' | 'cancel'): OrchestrationRunStatus {
  const validated = validateSteps(steps, {});
  if (!validated.ok) throw new Error('bad steps');
  const { dag } = validated;
  const state = initialState(dag);
  const policy = { parallelism: 0, failFast: false };
  applyStepEvent(dag, state, { type: 'started', step: 0, at: START }, policy);
  if (outcome === 'cancel') {
    applyStepEvent(dag, state, { type: 'cancelled', step: 0, at: END, message: 'cancelled' }, policy);
  } else {
    applyStepEvent(dag, state, { type: 'succeeded', step: 0, at: END }, policy);
    applyStepEvent(dag, state, { type: 'started', step: 1, at: END }, policy);
    applyStepEvent(dag, state, outcome === 'succeed' ? { type: 'succeeded', step: 1, at: END } : { type: 'failed', step: 1, at: END, message: 'boom' }, policy);
  }
  const phase = deriveRunPhase(dag, state);
  const counts = stepCounts(state);
  const message = phase === 'Cancelled' ? 'run cancelled' : phase === 'Succeeded' ? `${counts.succeeded} of ${counts.total} steps succeeded` : `${counts.failed} of ${counts.total} steps failed`;
  const update = buildStatusUpdate(dag, state, { phase, startTime: START, completionTime: END, message });
  const cancel = completeCancel(update, before, conditionsAfter(update, before.conditions, 1));
  const applied = workflowStatusApply({ namespace: 'ns', name: 'r1', uid: 'u1' }, update, cancel, 'run-1').status;
  // Server-side apply: the workflow's fields replace the bridge's; conditions merge by type.
  const conditions = [...(before.conditions ?? [])];
  for (const c of applied.conditions ?? []) {
    const at = conditions.findIndex((x) => x.type === c.type);
    if (at >= 0) conditions[at] = c;
    else conditions.push(c);
  }
  return { ...before, ...applied, temporal: { ...before.temporal!, ...applied.temporal }, conditions };
}

function input(status: OrchestrationRunStatus, workflow: WorkflowView, spec: OrchestrationRun['spec'] = { steps }): ReconcileInput {
  return {
    run: { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name: 'r1', namespace: 'ns', uid: 'u1', generation: 1, finalizers: [RUNTIME_CLEANUP_FINALIZER] }, spec, status },
    orchestration: undefined,
    workflow,
    workflowId,
    settings: { temporalNamespace: 'default', taskQueue: 'tq', uiBaseUrl: '' },
    now: NOW,
  };
}

describe("the workflow's final status is the bridge's too", () => {
  it('Succeeded: decide() has nothing to do', () => {
    const status = afterFinalWrite(bridgeStatus(), 'succeed');
    expect(status.phase).toBe('Succeeded');
    expect(decide(input(status, { found: true, runId: 'run-1', status: 'COMPLETED', resultPhase: 'Succeeded', closeTime: END })).actions).toEqual([]);
  });

  it('Failed: decide() has nothing to do', () => {
    const status = afterFinalWrite(bridgeStatus(), 'fail');
    expect(status.phase).toBe('Failed');
    expect(decide(input(status, { found: true, runId: 'run-1', status: 'FAILED', failureType: RUN_FAILED, message: status.message, closeTime: END })).actions).toEqual([]);
  });

  it('Cancelled through spec.cancel: decide() has nothing to do', () => {
    const request = { reason: 'SpecCancel', cancelledBy: 'spec:kubectl-patch' };
    const status = afterFinalWrite(bridgeStatus(request), 'cancel');
    expect(status.phase).toBe('Cancelled');
    const view: WorkflowView = { found: true, runId: 'run-1', status: 'CANCELLED', closeTime: END, cancelRequest: { reason: 'SpecCancel', cancelledBy: 'spec:kubectl-patch' } };
    expect(decide(input(status, view, { steps, cancel: true })).actions).toEqual([]);
  });
});
