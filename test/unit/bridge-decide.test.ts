// decide(): what the bridge does for each state of a run and its workflow. Pure, so a table of cases.
import { describe, expect, it } from 'vitest';
import { CANCEL_NOTE_MAX_BYTES, CANCEL_REASON_ANNOTATION, cancelNote, cancelRequestFromHistory, RUNTIME_CLEANUP_FINALIZER, withNote, type Orchestration, type OrchestrationRun, type OrchestrationRunStatus } from '../../core/index.js';
import { decide } from '../../bridge/decide.js';
import type { Action, Decision, ReconcileInput, WorkflowView } from '../../bridge/types.js';

const NOW = '2026-11-23T12:00:00.000Z';
const sleep = { activity: { name: 'sleep', input: { seconds: 1 } } };

function run(spec: OrchestrationRun['spec'], extra: { status?: OrchestrationRunStatus; finalizers?: string[]; deletionTimestamp?: string } = {}): OrchestrationRun {
  return {
    apiVersion: 'orchestration.proompteng.ai/v1alpha1',
    kind: 'OrchestrationRun',
    metadata: { name: 'r1', namespace: 'ns', uid: 'u1', generation: 1, finalizers: extra.finalizers ?? [RUNTIME_CLEANUP_FINALIZER], ...(extra.deletionTimestamp ? { deletionTimestamp: extra.deletionTimestamp } : {}) },
    spec,
    ...(extra.status ? { status: extra.status } : {}),
  };
}

const template: Orchestration = {
  apiVersion: 'orchestration.proompteng.ai/v1alpha1',
  kind: 'Orchestration',
  metadata: { name: 'build', namespace: 'ns', uid: 'o1' },
  spec: { steps: [{ name: 'compile', ...sleep }], parallelism: 4, failFast: true },
};

function input(r: OrchestrationRun, workflow: WorkflowView = { found: false }, orchestration?: Orchestration): ReconcileInput {
  return { run: r, orchestration, workflow, workflowId: 'orchestrationrun/ns/r1/u1', settings: { temporalNamespace: 'default', taskQueue: 'tq', uiBaseUrl: 'http://ui:8233' }, now: NOW };
}

const types = (d: Decision) => d.actions.map((a) => a.type);
const patch = (d: Decision) => d.actions.find((a): a is Extract<Action, { type: 'patchStatus' }> => a.type === 'patchStatus')?.status;
const started: OrchestrationRunStatus = {
  phase: 'Running',
  observedGeneration: 1,
  startTime: '2026-11-23T11:59:00Z',
  temporal: { namespace: 'default', workflowId: 'orchestrationrun/ns/r1/u1', runId: 'run-1', taskQueue: 'tq' },
  conditions: [{ type: 'Ready', status: 'True', reason: 'WorkflowStarted', lastTransitionTime: '2026-11-23T11:59:00Z' }],
};
const running: WorkflowView = { found: true, runId: 'run-1', status: 'RUNNING' };
/** The status a run has once its workflow wrote the end. */
const finishedStatus = (phase: 'Succeeded' | 'Failed'): OrchestrationRunStatus => ({
  ...started,
  phase,
  completionTime: '2026-11-23T12:00:05Z',
  conditions: [...started.conditions!, { type: 'Succeeded', status: phase === 'Succeeded' ? 'True' : 'False', reason: phase, lastTransitionTime: '2026-11-23T12:00:05Z' }],
});

describe('decide: before the workflow starts', () => {
  it('adds the finalizer, then starts the workflow with a snapshot of the run', () => {
    const actions = decide(input(run({ steps: [{ name: 'a', ...sleep }], parameters: { x: '1' } }, { finalizers: [] })));
    expect(types(actions)).toEqual(['addFinalizer', 'startWorkflow']);
    expect(actions.requeueAfterMs).toBe(0); // at once: the started workflow goes on the run
    expect(actions.actions[1]).toMatchObject({ snapshot: { run: { namespace: 'ns', name: 'r1', uid: 'u1' }, parameters: { x: '1' }, policy: { parallelism: 0, failFast: false }, writeStatus: true } });
  });

  it('snapshots the Orchestration template; the run overrides its settings', () => {
    const actions = decide(input(run({ orchestrationRef: { name: 'build' }, parallelism: 2 }), { found: false }, template));
    expect(actions.actions[0]).toMatchObject({ type: 'startWorkflow', snapshot: { steps: template.spec.steps, policy: { parallelism: 2, failFast: true }, run: { orchestrationName: 'build' } } });
  });

  it('marks an invalid run Failed/InvalidSpec with the cycle path and a Warning, and starts nothing', () => {
    const actions = decide(input(run({ steps: [{ name: 'a', dependsOn: ['b'], ...sleep }, { name: 'b', dependsOn: ['a'], ...sleep }] })));
    expect(types(actions)).toEqual(['event', 'patchStatus']);
    expect(actions.requeueAfterMs).toBeUndefined();
    expect(patch(actions)).toMatchObject({ phase: 'Failed', message: 'invalid spec: dependency cycle: a → b → a' });
    expect(patch(actions)?.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidSpec' }));
    expect(actions.actions[0]).toMatchObject({ eventType: 'Warning', reason: 'InvalidSpec' });
  });

  it('waits in Pending/OrchestrationNotFound for a missing Orchestration, writing that once', () => {
    const first = decide(input(run({ orchestrationRef: { name: 'build' } })));
    expect(patch(first)).toMatchObject({ phase: 'Pending', message: 'Orchestration ns/build not found; the run starts once it exists' });
    expect(patch(first)?.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False', reason: 'OrchestrationNotFound' }));
    const waiting = patch(first) as OrchestrationRunStatus;
    const again = decide(input(run({ orchestrationRef: { name: 'build' } }, { status: waiting })));
    expect(again).toEqual({ actions: [] });
    // Once the Orchestration exists the waiting message goes, before the workflow starts and writes.
    const startedLater = decide(input(run({ orchestrationRef: { name: 'build' } }, { status: waiting }), { found: false }, template));
    expect(types(startedLater)).toEqual(['patchStatus', 'startWorkflow']);
    expect(patch(startedLater)).toEqual({ message: null });
  });
});

describe('decide: while the workflow runs', () => {
  it("drops a child run's waiting message once its parent started its workflow", () => {
    const waiting: OrchestrationRunStatus = {
      phase: 'Pending',
      message: 'waiting for parent run p to start this child run\'s workflow',
      conditions: [{ type: 'Ready', status: 'False', reason: 'WaitingForParent', lastTransitionTime: '2026-11-23T11:59:00Z' }],
    };
    const d = decide(input(run({ steps: [{ name: 'a', ...sleep }] }, { status: waiting }), running));
    expect(types(d)).toEqual(['patchStatus', 'applyStatus', 'event']);
    expect(patch(d)).toEqual({ message: null });
  });

  it('puts the controls a run was created with into its snapshot, and resumes a run whose spec.suspend was removed', () => {
    const created = decide(input(run({ steps: [{ name: 'a', ...sleep }], suspend: true })));
    const start = created.actions.find((a): a is Extract<Action, { type: 'startWorkflow' }> => a.type === 'startWorkflow')!;
    expect(start.snapshot.controls).toEqual({ generation: 1, suspend: { value: true, by: 'spec:unknown' } });
    const removed = run({ steps: [{ name: 'a', ...sleep }] }, { status: { ...started, suspendedBy: 'spec:kubectl-patch' } });
    removed.metadata = { ...removed.metadata, generation: 2 };
    expect(decide(input(removed, running)).actions[0]).toEqual({ type: 'signalControls', controls: { generation: 2, suspend: { value: false, by: 'spec:suspend-removed' } } });
    // Suspended from Temporal: a spec without suspend leaves it alone.
    const fromTemporal = run({ steps: [{ name: 'a', ...sleep }] }, { status: { ...started, suspendedBy: 'temporal:ops' } });
    fromTemporal.metadata = { ...fromTemporal.metadata, generation: 2 };
    expect(types(decide(input(fromTemporal, running)))).toEqual(['applyStatus']);
  });

  it('sends spec.suspend and spec.approvals, naming their field managers, once per generation, before it says it saw the generation', () => {
    const managedFields = [
      { manager: 'kubectl-patch', operation: 'Update', time: '2026-11-23T12:00:00Z', fieldsV1: { 'f:spec': { 'f:suspend': {}, 'f:approvals': { 'f:go-live': {} } } } },
      { manager: 'argocd', operation: 'Apply', time: '2026-11-23T11:00:00Z', fieldsV1: { 'f:spec': { 'f:approvals': { 'f:qa': {} } } } },
    ];
    const edited = run({ steps: [{ name: 'a', ...sleep }], suspend: true, approvals: { 'go-live': 'Approved', qa: 'Rejected' } }, { status: started });
    edited.metadata = { ...edited.metadata, generation: 2, managedFields };
    const sent = decide(input(edited, running));
    expect(types(sent)).toEqual(['signalControls', 'applyStatus']);
    expect(sent.actions[0]).toEqual({
      type: 'signalControls',
      controls: {
        generation: 2,
        suspend: { value: true, by: 'spec:kubectl-patch' },
        approvals: [
          { step: 'go-live', decision: 'Approved', by: 'spec:kubectl-patch' },
          { step: 'qa', decision: 'Rejected', by: 'spec:argocd' },
        ],
      },
    });
    expect(sent.actions[1]).toMatchObject({ type: 'applyStatus', status: { observedGeneration: 2 } });
    // Once observedGeneration says 2, nothing more is sent; a spec without controls sends nothing either.
    const seen = run(edited.spec, { status: { ...started, observedGeneration: 2 } });
    seen.metadata = edited.metadata;
    expect(types(decide(input(seen, running)))).toEqual([]);
    const plain = run({ steps: [{ name: 'a', ...sleep }], ttlSecondsAfterFinished: 60 }, { status: started });
    plain.metadata = { ...plain.metadata, generation: 2 };
    expect(types(decide(input(plain, running)))).toEqual(['applyStatus']);
  });

  it('records the workflow on the CR once it exists (temporal ref with UI link, policy, Ready=True) and an Event; phase is the workflow\'s', () => {
    const actions = decide(input(run({ steps: [{ name: 'a', ...sleep }] }), running));
    expect(types(actions)).toEqual(['applyStatus', 'event']);
    expect(actions.requeueAfterMs).toBe(15_000);
    const applied = actions.actions.find((a): a is Extract<Action, { type: 'applyStatus' }> => a.type === 'applyStatus')!.status;
    expect(applied).toEqual({
      temporal: { namespace: 'default', workflowId: 'orchestrationrun/ns/r1/u1', runId: 'run-1', taskQueue: 'tq', uiUrl: 'http://ui:8233/namespaces/default/workflows/orchestrationrun%2Fns%2Fr1%2Fu1/run-1' },
      observedGeneration: 1,
      cancellationPolicy: expect.any(Object) as unknown,
      conditions: [expect.objectContaining({ type: 'Ready', status: 'True', reason: 'WorkflowStarted' })],
    });
    // Only fields the bridge owns: the workflow writes phase, times and steps beside them.
    expect(Object.keys(applied)).not.toContain('phase');
    expect(actions.actions[1]).toMatchObject({ eventType: 'Normal', reason: 'Started' });
  });

  it('only looks again later when the CR already shows the running workflow', () => {
    expect(decide(input(run({ steps: [{ name: 'a', ...sleep }] }, { status: started }), running))).toEqual({ actions: [], requeueAfterMs: 15_000 });
  });
});

describe('decide: when the workflow closed', () => {
  const closed = (view: Partial<Extract<WorkflowView, { found: true }>>) => decide(input(run({ steps: [{ name: 'a', ...sleep }] }, { status: started }), { ...running, closeTime: '2026-11-23T12:00:05.5Z', ...view }));

  const byOps = { reason: 'TemporalCancel', cancelledBy: 'temporal:ops@example.com', at: '2026-11-23T12:00:03Z' } as const;
  it.each([
    ['terminated (its Jobs deleted)', { status: 'TERMINATED', message: 'operator said so' }, 'Failed', 'WorkflowTerminated', 'workflow terminated: operator said so', ['deleteJobs']],
    ['timed out (its Jobs deleted)', { status: 'TIMED_OUT' }, 'Failed', 'WorkflowTimedOut', 'workflow timed out', ['deleteJobs']],
    ['failed as a run', { status: 'FAILED', failureType: 'OrchestrationRunFailed', message: '1 of 2 steps failed' }, 'Failed', 'Failed', '1 of 2 steps failed', []],
    ['completed', { status: 'COMPLETED', resultPhase: 'Succeeded', message: '2 of 2 steps succeeded' }, 'Succeeded', 'Succeeded', '2 of 2 steps succeeded', []],
    [
      'cancelled in Temporal',
      { status: 'CANCELLED', cancelRequest: byOps },
      'Cancelled',
      'TemporalCancel',
      'cancelled by temporal:ops@example.com (TemporalCancel); the running steps stopped first',
      [],
    ],
  ] as const)('%s → %s/%s', (_case, view, phase, reason, message, more) => {
    const actions = closed(view);
    expect(types(actions)).toEqual(['patchStatus', 'event', ...more]);
    expect(patch(actions)).toMatchObject({ phase, message, completionTime: '2026-11-23T12:00:05Z' });
    expect(patch(actions)?.conditions).toContainEqual(expect.objectContaining({ type: 'Succeeded', status: phase === 'Succeeded' ? 'True' : 'False', reason }));
  });

  it('writes nothing when the workflow already wrote the same final status', () => {
    const done = finishedStatus('Succeeded');
    expect(decide(input(run({ steps: [{ name: 'a', ...sleep }] }, { status: done }), { ...running, status: 'COMPLETED', resultPhase: 'Succeeded' }))).toEqual({ actions: [] });
  });

  it('reopens a finished run whose workflow was reset in Temporal', () => {
    const failed = finishedStatus('Failed');
    const actions = decide(input(run({ steps: [{ name: 'a', ...sleep }] }, { status: failed }), { found: true, runId: 'run-2', status: 'RUNNING' }));
    expect(types(actions)).toEqual(['patchStatus', 'event']);
    expect(actions.requeueAfterMs).toBe(15_000);
    expect(patch(actions)).toMatchObject({ phase: 'Running', completionTime: null, temporal: { runId: 'run-2' } });
    expect(patch(actions)?.conditions).toContainEqual(expect.objectContaining({ type: 'Succeeded', status: 'Unknown', reason: 'WorkflowReset' }));
  });

  it('names the workflow run that finished a run (after continue-as-new), without touching its phase', () => {
    const done = finishedStatus('Succeeded');
    const actions = decide(input(run({ steps: [{ name: 'a', ...sleep }] }, { status: done }), { found: true, runId: 'run-3', status: 'COMPLETED', resultPhase: 'Succeeded' }));
    expect(actions).toEqual({ actions: [{ type: 'patchStatus', status: { temporal: { ...started.temporal, runId: 'run-3', uiUrl: 'http://ui:8233/namespaces/default/workflows/orchestrationrun%2Fns%2Fr1%2Fu1/run-3' } } }] });
  });

  it('fails a started run whose workflow Temporal no longer knows', () => {
    const actions = decide(input(run({ steps: [{ name: 'a', ...sleep }] }, { status: started }), { found: false }));
    expect(patch(actions)).toMatchObject({ phase: 'Failed', message: 'workflow orchestrationrun/ns/r1/u1 not found in Temporal namespace default' });
  });
});

describe('decide: deletion', () => {
  it('records the cancel, then cancels the running workflow and waits for it to close, at most the cleanup timeout', () => {
    const first = decide(input(run({ steps: [{ name: 'a', ...sleep }] }, { status: started, deletionTimestamp: '2026-11-23T11:59:50Z' }), running));
    expect(types(first)).toEqual(['patchStatus', 'event']);
    expect(first.requeueAfterMs).toBe(0);
    expect(patch(first)).toMatchObject({ cancelledBy: 'deletion' });
    const recorded = { ...started, ...patch(first) } as OrchestrationRunStatus;
    // Looks again at the release deadline: 30 s after the deletion less the margin for the final writes.
    expect(decide(input(run({ steps: [{ name: 'a', ...sleep }] }, { status: recorded, deletionTimestamp: '2026-11-23T11:59:50Z' }), running))).toEqual({
      actions: [{ type: 'cancelWorkflow', cause: 'orchestration-bridge: Deletion deletion' }],
      requeueAfterMs: 19_000,
    });
  });
  it('never re-adds the finalizer once deletion started', () => {
    expect(decide(input(run({ steps: [{ name: 'a', ...sleep }] }, { deletionTimestamp: NOW, finalizers: [] })))).toEqual({ actions: [] });
  });
});

describe('decide: retention of finished runs', () => {
  const completed: WorkflowView = { ...running, status: 'COMPLETED', resultPhase: 'Succeeded' };
  const failedView: WorkflowView = { ...running, status: 'FAILED', failureType: 'OrchestrationRunFailed' };
  const at = (r: OrchestrationRun, view: WorkflowView, now: string, extra: { orchestration?: Orchestration; defaultSeconds?: number } = {}) => {
    const i = input(r, view, extra.orchestration);
    return decide({ ...i, now, settings: { ...i.settings, runRetentionSeconds: extra.defaultSeconds } });
  };
  const done = (spec: Partial<OrchestrationRun['spec']>, phase: 'Succeeded' | 'Failed' = 'Succeeded', retention?: OrchestrationRunStatus['retention']) =>
    run({ steps: [{ name: 'a', ...sleep }], ...spec }, { status: { ...finishedStatus(phase), ...(retention ? { retention } : {}) } });

  it('keeps a finished run when no retention is set anywhere', () => {
    expect(at(done({}), completed, '2027-01-01T00:00:00Z')).toEqual({ actions: [] });
  });

  it('shows when the run will be deleted, and looks again then', () => {
    const actions = at(done({ ttlSecondsAfterFinished: 60 }), completed, '2026-11-23T12:00:10.000Z');
    expect(actions).toEqual({
      actions: [{ type: 'patchStatus', status: { retention: { deleteAt: '2026-11-23T12:01:05Z', ttlSeconds: 60, source: 'ttlSecondsAfterFinished' } } }],
      requeueAfterMs: 55_000,
    });
  });

  it('deletes the run once the time has come, with an Event saying why', () => {
    const actions = at(done({ ttlSecondsAfterFinished: 60 }, 'Succeeded', { deleteAt: '2026-11-23T12:01:05Z', ttlSeconds: 60, source: 'ttlSecondsAfterFinished' }), completed, '2026-11-23T12:01:05.000Z');
    expect(types(actions)).toEqual(['event', 'deleteRun']);
    expect(actions.actions[0]).toMatchObject({ reason: 'RetentionExpired' });
  });

  it.each([
    ['success wins over finished for a succeeded run', { ttlSecondsAfterSuccess: 5, ttlSecondsAfterFinished: 50 }, 'Succeeded', 5, 'ttlSecondsAfterSuccess'],
    ['failure wins over finished for a failed run', { ttlSecondsAfterFailure: 7, ttlSecondsAfterFinished: 50 }, 'Failed', 7, 'ttlSecondsAfterFailure'],
    ['success does not apply to a failed run', { ttlSecondsAfterSuccess: 5, ttlSecondsAfterFinished: 50 }, 'Failed', 50, 'ttlSecondsAfterFinished'],
    ['the Orchestration applies when the run sets nothing', {}, 'Succeeded', 300, 'Orchestration'],
    ['null (cleared by a merge patch) counts as unset', { ttlSecondsAfterFinished: null }, 'Succeeded', 300, 'Orchestration'],
  ] as const)('%s', (_case, spec, phase, ttlSeconds, source) => {
    const orchestration = { ...template, spec: { ...template.spec, ttlSecondsAfterFinished: 300 } };
    const actions = at(done(spec, phase), phase === 'Succeeded' ? completed : failedView, '2026-11-23T12:00:05.000Z', { orchestration });
    expect(patch(actions)?.retention).toMatchObject({ ttlSeconds, source });
  });

  it('falls back to JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS', () => {
    expect(patch(at(done({}), completed, '2026-11-23T12:00:05.000Z', { defaultSeconds: 3600 }))?.retention).toEqual({
      deleteAt: '2026-11-23T13:00:05Z',
      ttlSeconds: 3600,
      source: 'JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS',
    });
  });

  it('removes a retention the user cleared, and never deletes a run that still runs', () => {
    const cleared = done({}, 'Succeeded', { deleteAt: '2026-11-23T12:01:05Z', ttlSeconds: 60, source: 'ttlSecondsAfterFinished' });
    expect(at(cleared, completed, '2027-01-01T00:00:00Z')).toEqual({ actions: [{ type: 'patchStatus', status: { retention: null } }] });
    const stillRunning = run({ steps: [{ name: 'a', ...sleep }], ttlSecondsAfterFinished: 0 }, { status: started });
    expect(at(stillRunning, running, '2027-01-01T00:00:00Z')).toEqual({ actions: [], requeueAfterMs: 15_000 });
  });
});

describe('decide: cancellation', () => {
  const spec = (extra: Partial<OrchestrationRun['spec']> = {}) => ({ steps: [{ name: 'a', ...sleep }], ...extra });
  const pending = (reason = 'SpecCancel', at = '2026-11-23T11:59:58Z'): OrchestrationRunStatus => ({
    ...started,
    cancelledBy: 'spec:kubectl-patch',
    conditions: [...started.conditions!, { type: 'Cancelled', status: 'Unknown', reason, lastTransitionTime: at }],
  });
  const at = (r: OrchestrationRun, view: WorkflowView, settings: Partial<ReconcileInput['settings']> = {}, extra: Partial<ReconcileInput> = {}) => {
    const i = input(r, view);
    return decide({ ...i, settings: { ...i.settings, cancelTimeoutMs: 10_000, cleanupTimeoutMs: 10_000, ...settings }, ...extra });
  };
  const cancelled = (r: OrchestrationRun) => ({
    ...r,
    metadata: { ...r.metadata, managedFields: [{ manager: 'kubectl-patch', operation: 'Update', time: NOW, fieldsV1: { 'f:spec': { 'f:cancel': {} } } }] },
  });

  it('records spec.cancel on the run first: Cancelled=Unknown/SpecCancel, cancelledBy the field manager, an Event', () => {
    const actions = at(cancelled(run(spec({ cancel: true }), { status: started })), running);
    expect(types(actions)).toEqual(['patchStatus', 'event']);
    expect(actions.requeueAfterMs).toBe(0);
    expect(patch(actions)).toMatchObject({ cancelledBy: 'spec:kubectl-patch' });
    expect(patch(actions)?.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'Unknown', reason: 'SpecCancel' }));
  });

  it('then asks Temporal to cancel, with the reason in the request, until the cancel timeout', () => {
    expect(at(run(spec({ cancel: true }), { status: pending() }), running)).toEqual({
      actions: [{ type: 'cancelWorkflow', cause: 'orchestration-bridge: SpecCancel spec:kubectl-patch' }],
      requeueAfterMs: 8_000,
    });
  });

  it('records the reason given with spec.cancel (the cancel-reason annotation) with the request, and says it from the status after', () => {
    const withReason = (r: OrchestrationRun, reason: string) => ({ ...r, metadata: { ...r.metadata, annotations: { [CANCEL_REASON_ANNOTATION]: reason } } });
    const asked = at(withReason(cancelled(run(spec({ cancel: true }), { status: started })), '  window\nclosed '), running);
    expect(patch(asked)).toMatchObject({ cancelledBy: 'spec:kubectl-patch', cancelReason: 'window closed' });
    expect(patch(asked)?.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'Unknown', message: 'cancel requested by spec:kubectl-patch: window closed; running steps are stopping' }));
    // Once recorded, the status is what is said: an annotation changed since changes nothing.
    const recorded: OrchestrationRunStatus = { ...pending(), cancelReason: 'window closed' };
    expect(at(withReason(run(spec({ cancel: true }), { status: recorded }), 'something else'), running).actions).toEqual([
      { type: 'cancelWorkflow', cause: 'orchestration-bridge: SpecCancel spec:kubectl-patch\nwindow closed' },
    ]);
    expect(patch(at(withReason(run(spec({ cancel: true }), { status: recorded }), 'something else'), { ...running, status: 'CANCELLED' }))?.message).toBe(
      'cancelled by spec:kubectl-patch (SpecCancel): window closed; the running steps stopped first',
    );
    // Read back from the history as it was sent, whatever the field manager's name holds; the bound cuts a long reason.
    expect(cancelRequestFromHistory('orchestration-bridge: SpecCancel spec:ops -- bot\nwindow closed', 'bridge')).toEqual({ reason: 'SpecCancel', cancelledBy: 'spec:ops -- bot', note: 'window closed' });
    expect(cancelRequestFromHistory('orchestration-bridge: SpecCancel spec:ops -- bot', 'bridge')).toEqual({ reason: 'SpecCancel', cancelledBy: 'spec:ops -- bot' });
    const long = cancelNote({ annotations: { [CANCEL_REASON_ANNOTATION]: 'x'.repeat(1000) } })!;
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(CANCEL_NOTE_MAX_BYTES);
    expect(long).toMatch(/^x{200,}…$/);
    // Only spec.cancel carries a reason: a deletion's cancel does not take the annotation's.
    expect(withNote({ reason: 'Deletion', cancelledBy: 'deletion' }, { annotations: { [CANCEL_REASON_ANNOTATION]: 'x' } })).toEqual({ reason: 'Deletion', cancelledBy: 'deletion' });
  });

  it('forces a cancel that outlived the timeout: terminate, delete the Jobs, Cancelled/CancelTimeout with the steps Cancelled', () => {
    const status: OrchestrationRunStatus = { ...pending('SpecCancel', '2026-11-23T11:59:40Z'), steps: [{ name: 'a', phase: 'Running' }], stepCounts: { total: 1, pending: 0, running: 1, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 } };
    const actions = at(run(spec({ cancel: true }), { status }), running);
    // The status first: a terminated workflow seen later cannot turn the run into Failed.
    expect(types(actions)).toEqual(['patchStatus', 'event', 'cancelEnded', 'terminateWorkflow', 'deleteJobs']);
    expect(actions.actions.slice(3).every((a) => 'bestEffort' in a && a.bestEffort)).toBe(true);
    expect(patch(actions)).toMatchObject({ phase: 'Cancelled', cancelledBy: 'spec:kubectl-patch', steps: [{ name: 'a', phase: 'Cancelled' }], stepCounts: { running: 0, cancelled: 1 }, progress: '1/1' });
    expect(patch(actions)?.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'True', reason: 'CancelTimeout' }));
    expect(actions.actions[2]).toEqual({ type: 'cancelEnded', seconds: 20, forced: true });
  });

  it('keeps a forced run Cancelled when its terminated workflow is seen closed, and stops one still running', () => {
    const forced: OrchestrationRunStatus = {
      ...started,
      phase: 'Cancelled',
      completionTime: '2026-11-23T11:59:59Z',
      conditions: [{ type: 'Cancelled', status: 'True', reason: 'CancelTimeout', lastTransitionTime: '2026-11-23T11:59:59Z' }],
    };
    expect(at(run(spec(), { status: forced }), { ...running, status: 'TERMINATED' })).toEqual({ actions: [] });
    expect(types(at(run(spec(), { status: forced }), running))).toEqual(['terminateWorkflow', 'deleteJobs']);
  });

  it('with Temporal unreachable, still forces the cancel after the timeout, saying why', () => {
    const down: WorkflowView = { found: false, error: 'connect ECONNREFUSED' };
    expect(at(run(spec({ cancel: true }), { status: pending('SpecCancel', '2026-11-23T11:59:58Z') }), down)).toEqual({ actions: [], requeueAfterMs: 2000 });
    const forced = at(run(spec({ cancel: true }), { status: pending('SpecCancel', '2026-11-23T11:59:40Z') }), down);
    expect(patch(forced)?.message).toContain('Temporal could not be reached: connect ECONNREFUSED');
  });

  it('keeps the recorded reason and requester once the workflow closed Cancelled (the history is no longer read)', () => {
    const done: OrchestrationRunStatus = {
      ...started,
      phase: 'Cancelled',
      completionTime: '2026-11-23T11:59:59Z',
      cancelledBy: 'spec:kubectl-patch',
      conditions: [
        { type: 'Cancelled', status: 'True', reason: 'SpecCancel', lastTransitionTime: '2026-11-23T11:59:59Z' },
        { type: 'Succeeded', status: 'False', reason: 'SpecCancel', lastTransitionTime: '2026-11-23T11:59:59Z' },
      ],
    };
    expect(at(run(spec({ cancel: true }), { status: done }), { ...running, status: 'CANCELLED' })).toEqual({ actions: [] });
  });

  it('cancels a run whose workflow never started at once, and never starts it', () => {
    const actions = at(run(spec({ cancel: true }), { status: { cancelledBy: 'spec:x', conditions: [{ type: 'Cancelled', status: 'Unknown', reason: 'SpecCancel', lastTransitionTime: NOW }] } }), { found: false });
    expect(types(actions)).toEqual(['patchStatus', 'event', 'cancelEnded']);
    expect(patch(actions)).toMatchObject({ phase: 'Cancelled', message: 'cancelled (SpecCancel by spec:x) before its workflow started' });
  });

  it('on a finished run changes nothing but says AlreadyTerminal, once', () => {
    const actions = at(run(spec({ cancel: true }), { status: finishedStatus('Succeeded') }), { ...running, status: 'COMPLETED', resultPhase: 'Succeeded' });
    expect(types(actions)).toEqual(['patchStatus']);
    expect(patch(actions)?.phase).toBeUndefined();
    const noted = patch(actions)!.conditions!;
    expect(noted).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'False', reason: 'AlreadyTerminal' }));
    expect(at(run(spec({ cancel: true }), { status: { ...finishedStatus('Succeeded'), conditions: noted } }), { ...running, status: 'COMPLETED', resultPhase: 'Succeeded' })).toEqual({ actions: [] });
  });

  it('with cancellation disabled, says CancelDisabled and goes on running', () => {
    const actions = at(run(spec({ cancel: true }), { status: started }), running, { cancelEnabled: false });
    expect(patch(actions)?.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'False', reason: 'CancelDisabled' }));
    const disabled = { ...started, conditions: patch(actions)!.conditions! };
    expect(at(run(spec({ cancel: true }), { status: disabled }), running, { cancelEnabled: false })).toEqual({ actions: [], requeueAfterMs: 15_000 });
  });

  it('onSourceRemoved: Cancel under the policy fixed at start, once the Orchestration is gone', () => {
    const status = { ...started, cancellationPolicy: { onSourceRemoved: 'Cancel' as const } };
    const actions = at(run({ orchestrationRef: { name: 'build' } }, { status }), running);
    expect(patch(actions)).toMatchObject({ cancelledBy: 'source-removed:build' });
    expect(at(run({ orchestrationRef: { name: 'build' } }, { status: started }), running)).toEqual({ actions: [], requeueAfterMs: 15_000 });
  });

  it('onRetrigger: Cancel asks older active runs with the same triggerKey to cancel before starting', () => {
    const retrigger = { ...template, spec: { ...template.spec, cancellationPolicy: { onRetrigger: 'Cancel' as const } } };
    const sibling = (name: string, created: string, status?: OrchestrationRunStatus): OrchestrationRun => ({
      ...run({ orchestrationRef: { name: 'build' }, triggerKey: 'k' }, status ? { status } : {}),
      metadata: { name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: created, resourceVersion: '7' },
    });
    const self = { ...run({ orchestrationRef: { name: 'build' }, triggerKey: 'k' }, { finalizers: [] }), metadata: { ...run({}).metadata, finalizers: [], creationTimestamp: '2026-11-23T12:00:00Z' } };
    const siblings = [
      sibling('old', '2026-11-23T11:00:00Z', started),
      sibling('done', '2026-11-23T11:00:00Z', finishedStatus('Succeeded')),
      sibling('newer', '2026-11-23T12:30:00Z', started),
      // Created in the same second, already started: older, whatever its name.
      sibling('zz-same-second', '2026-11-23T12:00:00Z', started),
    ];
    const i = input(self, { found: false }, retrigger);
    const actions = decide({ ...i, siblings });
    expect(types(actions)).toEqual(['markCancel', 'markCancel', 'addFinalizer', 'startWorkflow']);
    expect(actions.actions[0]).toMatchObject({ target: { metadata: { name: 'old' } }, status: { cancelledBy: 'retrigger:r1' } });
    expect(actions.actions[1]).toMatchObject({ target: { metadata: { name: 'zz-same-second' } } });
  });

  describe('deletion', () => {
    const deleting = (ts: string) => run(spec(), { status: started, deletionTimestamp: ts });
    it('releases a run whose workflow already closed at once', () => {
      expect(at(deleting(NOW), { ...running, status: 'COMPLETED' })).toEqual({ actions: [{ type: 'removeFinalizer' }] });
    });
    it('terminates a workflow that outlived the cleanup timeout, deletes the Jobs, and releases the run', () => {
      expect(types(at(deleting('2026-11-23T11:59:40Z'), running))).toEqual(['terminateWorkflow', 'deleteJobs', 'event', 'removeFinalizer']);
    });
    it('waits while Temporal is unreachable, then releases the run with a Warning naming the error', () => {
      const down: WorkflowView = { found: false, error: 'connect ECONNREFUSED' };
      expect(at(deleting('2026-11-23T11:59:55Z'), down)).toEqual({ actions: [], requeueAfterMs: 2000 });
      const actions = at(deleting('2026-11-23T11:59:40Z'), down);
      expect(types(actions)).toEqual(['event', 'removeFinalizer']);
      expect(actions.actions[0]).toMatchObject({ reason: 'CleanupFailed', message: expect.stringContaining('connect ECONNREFUSED') as string });
    });
  });
});
