// Concurrency limits: the queue plan (pure), the queue over a cache of runs, and what decide() writes for a
// queued run and an admitted one.
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { decide } from '../../bridge/decide.js';
import { planQueue, queueRefreshMs, type Limit, type QueueEntry } from '../../bridge/queue-plan.js';
import { createRunQueue, RESERVATION_MS } from '../../bridge/run-queue.js';
import { loadBridgeConfig } from '../../bridge/config.js';
import { needsWorkflowRead } from '../../bridge/finished-run.js';
import type { Action, Decision, ReconcileInput } from '../../bridge/types.js';
import { OrchestrationSchema, parseRun, RUNTIME_CLEANUP_FINALIZER, type OrchestrationRun, type OrchestrationRunStatus } from '../../core/index.js';

const entry = (uid: string, limits: string[], extra: Partial<QueueEntry> = {}): QueueEntry => ({ uid, key: `ns/${uid}`, created: '2026-11-30T10:00:00.000Z', priority: 0, limits, active: false, ...extra });
const limits = (...list: [string, number][]) => new Map<string, Limit>(list.map(([key, max]) => [key, { key, max, name: `limit ${key}` }]));

describe('planQueue', () => {
  it('admits runs first-in first-out up to the limit and numbers the rest', () => {
    const entries = [entry('a', ['o'], { active: true }), entry('d', ['o'], { created: '2026-11-30T10:00:03.000Z' }), entry('b', ['o'], { created: '2026-11-30T10:00:01.000Z' }), entry('c', ['o'], { created: '2026-11-30T10:00:02.000Z' })];
    const plan = planQueue(entries, limits(['o', 2]));
    expect(plan.get('a')).toBeUndefined(); // it runs: no admission to give
    expect(plan.get('b')).toEqual({ admitted: true });
    expect(plan.get('c')).toEqual({ admitted: false, position: 1, of: 2, heldBy: 'limit o', running: 2 });
    expect(plan.get('d')).toEqual({ admitted: false, position: 2, of: 2, heldBy: 'limit o', running: 2 });
  });

  it('lets a higher priority go first; equal times go by name', () => {
    const plan = planQueue([entry('x', ['o']), entry('w', ['o']), entry('late', ['o'], { priority: 5, created: '2026-11-30T11:00:00.000Z' })], limits(['o', 1]));
    expect(plan.get('late')).toEqual({ admitted: true });
    expect(plan.get('w')).toMatchObject({ admitted: false, position: 1 });
    expect(plan.get('x')).toMatchObject({ admitted: false, position: 2 });
  });

  it('holds a run by its first full limit, and does not let it block runs of other limits', () => {
    // Orchestration o is full; the namespace limit n has room: q (of o) waits, r (of p) starts.
    const plan = planQueue([entry('run', ['o', 'n'], { active: true }), entry('q', ['o', 'n']), entry('r', ['p', 'n'], { created: '2026-11-30T10:00:05.000Z' })], limits(['o', 1], ['p', 5], ['n', 3]));
    expect(plan.get('q')).toMatchObject({ admitted: false, heldBy: 'limit o', position: 1, of: 1 });
    expect(plan.get('r')).toEqual({ admitted: true });
  });

  it('never admits more than a limit, counting the runs it admits in the same pass', () => {
    const entries = Array.from({ length: 50 }, (_, i) => entry(`r${String(i).padStart(2, '0')}`, ['n', 'c'], { created: `2026-11-30T10:00:${String(i).padStart(2, '0')}.000Z` }));
    const plan = planQueue(entries, limits(['n', 20], ['c', 7]));
    const admitted = [...plan.entries()].filter(([, a]) => a.admitted).map(([uid]) => uid);
    expect(admitted).toEqual(['r00', 'r01', 'r02', 'r03', 'r04', 'r05', 'r06']);
    expect(plan.get('r07')).toMatchObject({ admitted: false, heldBy: 'limit c', position: 1, of: 43, running: 7 });
  });

  it('refreshes a long queue less often, within bounds', () => {
    expect(queueRefreshMs(1)).toBe(10_000);
    expect(queueRefreshMs(300)).toBe(30_000);
    expect(queueRefreshMs(100_000)).toBe(60_000);
  });
});

const orchestration = (name: string, concurrency?: { max: number; perTriggerKey?: boolean }): KubernetesObject =>
  ({ apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'Orchestration', metadata: { name, namespace: 'ns', uid: `o-${name}` }, spec: { steps: [{ name: 'a', activity: { name: 'noop' } }], ...(concurrency ? { concurrency } : {}) } }) as KubernetesObject;

function cachedRun(name: string, extra: { ref?: string; triggerKey?: string; status?: OrchestrationRunStatus; created?: string; priority?: number; cancel?: boolean; namespace?: string } = {}): OrchestrationRun {
  return {
    apiVersion: 'orchestration.proompteng.ai/v1alpha1',
    kind: 'OrchestrationRun',
    metadata: { name, namespace: extra.namespace ?? 'ns', uid: `u-${name}`, generation: 1, creationTimestamp: extra.created ?? '2026-11-30T10:00:00Z' },
    spec: { ...(extra.ref ? { orchestrationRef: { name: extra.ref } } : { steps: [{ name: 'a', activity: { name: 'noop' } }] }), ...(extra.triggerKey ? { triggerKey: extra.triggerKey } : {}), ...(extra.priority !== undefined ? { priority: extra.priority } : {}), ...(extra.cancel ? { cancel: true } : {}) },
    ...(extra.status ? { status: extra.status } : {}),
  };
}
const temporal = { namespace: 'default', workflowId: 'w', taskQueue: 'tq' };
const runningStatus: OrchestrationRunStatus = { phase: 'Running', temporal };

describe('the queue over the cache', () => {
  function queueOf(runs: OrchestrationRun[], orchestrations: KubernetesObject[], settings: { namespaceMax?: number; clusterMax?: number } = {}, clock = { t: 0 }) {
    return createRunQueue({
      ...settings,
      runs: () => runs as unknown as KubernetesObject[],
      orchestrations: () => orchestrations,
      orchestration: (ns, name) => orchestrations.find((o) => o.metadata?.name === name && o.metadata.namespace === ns),
      now: () => clock.t,
    });
  }

  it('is off without any limit, and applies an Orchestration concurrency to its runs only', () => {
    const runs = [cachedRun('inline'), cachedRun('a', { ref: 'nightly' }), cachedRun('b', { ref: 'nightly', created: '2026-11-30T10:00:01Z' })];
    expect(queueOf(runs, [orchestration('nightly')]).enabled()).toBe(false);
    const q = queueOf(runs, [orchestration('nightly', { max: 1 })]);
    expect(q.enabled()).toBe(true);
    expect(q.admission(runs[0]!)).toBeUndefined();
    expect(q.admission(runs[1]!)).toEqual({ admitted: true });
    expect(q.admission(runs[2]!)).toEqual({ admitted: false, position: 1, of: 1, heldBy: 'Orchestration nightly concurrency.max=1', running: 1 }); // a, admitted, holds the slot
  });

  it('counts a run recorded as Starting, and one this process reserved before the cache shows it', () => {
    const runs = [cachedRun('a', { ref: 'o' }), cachedRun('b', { ref: 'o', created: '2026-11-30T10:00:01Z' }), cachedRun('c', { ref: 'o', created: '2026-11-30T10:00:02Z' })];
    const clock = { t: 0 };
    const q = queueOf(runs, [orchestration('o', { max: 2 })], {}, clock);
    q.reserve('u-a');
    q.reserve('u-b');
    expect(q.admission(runs[2]!)).toMatchObject({ admitted: false, running: 2 });
    // b's Starting write landed: the cache now says so, the reservation lapses, b still holds its slot.
    runs[1] = { ...runs[1]!, status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'Starting', lastTransitionTime: 'x' }] } };
    q.invalidate();
    expect(q.admission(runs[2]!)).toMatchObject({ admitted: false, running: 2 });
    // a's write never landed: after RESERVATION_MS its slot is free again, and a, first in line, gets it back.
    clock.t = RESERVATION_MS + 1;
    q.invalidate();
    expect(q.admission(runs[0]!)).toEqual({ admitted: true });
    expect(q.admission(runs[2]!)).toMatchObject({ admitted: false, position: 1 });
  });

  it('applies the namespace and cluster limits, and perTriggerKey apart for each key', () => {
    const runs = [
      cachedRun('k1', { ref: 'o', triggerKey: 'main', status: runningStatus }),
      cachedRun('k2', { ref: 'o', triggerKey: 'main', created: '2026-11-30T10:00:01Z' }),
      cachedRun('k3', { ref: 'o', triggerKey: 'dev', created: '2026-11-30T10:00:02Z' }),
      cachedRun('other', { namespace: 'ns2', created: '2026-11-30T10:00:03Z' }),
    ];
    const q = queueOf(runs, [orchestration('o', { max: 1, perTriggerKey: true })], { clusterMax: 2 });
    expect(q.admission(runs[1]!)).toMatchObject({ admitted: false, heldBy: 'Orchestration o triggerKey "main" concurrency.max=1' });
    expect(q.admission(runs[2]!)).toEqual({ admitted: true });
    expect(q.admission(runs[3]!)).toMatchObject({ admitted: false, heldBy: 'cluster JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_CLUSTER=2', running: 2 });
    expect(q.queued()).toBe(2);
  });

  it('gives no place to a run being cancelled, deleted, ended or waiting for its Orchestration', () => {
    const runs = [
      cachedRun('running', { status: runningStatus }),
      cachedRun('cancelled', { cancel: true }),
      cachedRun('missing', { ref: 'gone' }),
      cachedRun('done', { status: { phase: 'Succeeded', temporal } }),
      cachedRun('next', { created: '2026-11-30T10:00:09Z' }),
    ];
    const q = queueOf(runs, [], { namespaceMax: 2 });
    expect(q.admission(runs[4]!)).toEqual({ admitted: true });
    expect(q.admittedWaiting()).toEqual(['ns/next']);
  });
});

const NOW = '2026-11-30T12:00:00.000Z';
function input(run: OrchestrationRun, admission: ReconcileInput['admission']): ReconcileInput {
  return { run, orchestration: undefined, workflow: { found: false }, workflowId: 'orchestrationrun/ns/r/u', settings: { temporalNamespace: 'default', taskQueue: 'tq', uiBaseUrl: '' }, now: NOW, ...(admission ? { admission } : {}) };
}
const patchOf = (d: Decision) => d.actions.find((a): a is Extract<Action, { type: 'patchStatus' }> => a.type === 'patchStatus')?.status;

describe('decide: a run under a concurrency limit', () => {
  const held = { admitted: false, position: 3, of: 7, heldBy: 'Orchestration nightly concurrency.max=2', running: 2 } as const;

  it('queues the run, Pending with Ready=False/Queued, its place, and an Event; no finalizer, no workflow', () => {
    const d = decide(input(cachedRun('r'), held));
    expect(d.actions.map((a) => a.type)).toEqual(['patchStatus', 'event']);
    const status = patchOf(d)!;
    expect(status).toMatchObject({ phase: 'Pending', queue: { position: 3, of: 7, heldBy: held.heldBy, since: '2026-11-30T12:00:00Z', lastUpdateTime: '2026-11-30T12:00:00Z' } });
    expect(status.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'False', reason: 'Queued', message: 'queued: 3 of 7 waiting for Orchestration nightly concurrency.max=2 (2 running)' })]);
    expect(d.requeueAfterMs).toBe(10_000);
  });

  it('rewrites a moved place only once the refresh interval passed, and a new holder at once', () => {
    const shown: OrchestrationRunStatus = {
      phase: 'Pending',
      queue: { position: 3, of: 7, heldBy: held.heldBy, since: '2026-11-30T11:59:00Z', lastUpdateTime: '2026-11-30T11:59:56Z' },
      conditions: [{ type: 'Ready', status: 'False', reason: 'Queued', lastTransitionTime: '2026-11-30T11:59:00Z' }],
    };
    expect(decide(input(cachedRun('r', { status: shown }), held))).toEqual({ actions: [], requeueAfterMs: 10_000 });
    const moved = decide(input(cachedRun('r', { status: shown }), { ...held, position: 1 }));
    expect(moved).toEqual({ actions: [], requeueAfterMs: 6_000 });
    const later = decide({ ...input(cachedRun('r', { status: shown }), { ...held, position: 1 }), now: '2026-11-30T12:00:07.000Z' });
    expect(patchOf(later)?.queue).toMatchObject({ position: 1, since: '2026-11-30T11:59:00Z' });
    expect(later.actions.map((a) => a.type)).toEqual(['patchStatus']); // no second Queued Event
    expect(patchOf(decide(input(cachedRun('r', { status: shown }), { ...held, heldBy: 'namespace ns JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_NAMESPACE=5' })))?.queue?.heldBy).toMatch(/^namespace ns/);
  });

  it('records Starting (dropping the queue) before the finalizer and the workflow start', () => {
    const shown: OrchestrationRunStatus = { phase: 'Pending', message: 'queued', queue: { position: 1, of: 1, heldBy: held.heldBy, since: NOW, lastUpdateTime: NOW } };
    const d = decide(input({ ...cachedRun('r', { status: shown }), metadata: { ...cachedRun('r').metadata, finalizers: [] } }, { admitted: true }));
    expect(d.actions.map((a) => a.type)).toEqual(['patchStatus', 'addFinalizer', 'startWorkflow']);
    expect(patchOf(d)).toMatchObject({ phase: 'Pending', message: null, queue: null, conditions: [expect.objectContaining({ type: 'Ready', reason: 'Starting' })] });
  });

  it('starts a run already recorded as Starting without asking the queue again (a retry after a failed start)', () => {
    const starting: OrchestrationRunStatus = { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'Starting', lastTransitionTime: NOW }] };
    const d = decide(input({ ...cachedRun('r', { status: starting }), metadata: { ...cachedRun('r').metadata, finalizers: [RUNTIME_CLEANUP_FINALIZER] } }, held));
    expect(d.actions.map((a) => a.type)).toEqual(['startWorkflow']);
  });

  it('starts a queued run that no limit holds any more, recording Starting so that the next pass reads its workflow', () => {
    const shown: OrchestrationRunStatus = {
      phase: 'Pending',
      message: 'queued',
      queue: { position: 1, of: 1, heldBy: held.heldBy, since: NOW, lastUpdateTime: NOW },
      conditions: [{ type: 'Ready', status: 'False', reason: 'Queued', lastTransitionTime: NOW }],
    };
    const first = decide(input(cachedRun('r', { status: shown }), undefined));
    expect(first.actions.map((a) => a.type)).toEqual(['patchStatus', 'addFinalizer', 'startWorkflow']);
    const written = patchOf(first)!;
    expect(written).toMatchObject({ phase: 'Pending', message: null, queue: null, conditions: [expect.objectContaining({ reason: 'Starting', message: 'no concurrency limit holds the run any more; starting its workflow' })] });
    // Pass 2 sees what pass 1 wrote: no longer queued, so its workflow is read (found: no second start).
    const after = cachedRun('r', { status: { phase: 'Pending', conditions: written.conditions! } });
    expect(needsWorkflowRead(after)).toBe(true);
    expect(decide({ ...input(after, undefined), workflow: { found: true, runId: 'run-1', status: 'RUNNING' } }).actions.map((a) => a.type)).not.toContain('startWorkflow');
  });

  it('drops the place of a queued run that leaves the queue otherwise: cancelled, its Orchestration gone, invalid', () => {
    const queuedStatus: OrchestrationRunStatus = {
      phase: 'Pending',
      queue: { position: 2, of: 2, heldBy: held.heldBy, since: NOW, lastUpdateTime: NOW },
      conditions: [{ type: 'Ready', status: 'False', reason: 'Queued', lastTransitionTime: NOW }],
    };
    const cancelling: OrchestrationRunStatus = { ...queuedStatus, cancelledBy: 'spec:kubectl-patch', conditions: [...queuedStatus.conditions!, { type: 'Cancelled', status: 'Unknown', reason: 'SpecCancel', lastTransitionTime: NOW }] };
    const cancelled = decide(input({ ...cachedRun('r', { status: cancelling }), spec: { ...cachedRun('r').spec, cancel: true } }, undefined));
    expect(patchOf(cancelled)).toMatchObject({ phase: 'Cancelled', queue: null });
    const orphaned = decide(input(cachedRun('r', { ref: 'gone', status: queuedStatus }), undefined));
    expect(patchOf(orphaned)).toMatchObject({ phase: 'Pending', queue: null, conditions: [expect.objectContaining({ reason: 'OrchestrationNotFound' })] });
    const invalid = decide(input({ ...cachedRun('r', { status: queuedStatus }), spec: { steps: [{ name: 'a', dependsOn: ['b'], activity: { name: 'noop' } }, { name: 'b', dependsOn: ['a'], activity: { name: 'noop' } }] } }, undefined));
    expect(patchOf(invalid)).toMatchObject({ phase: 'Failed', queue: null });
  });

  it('does not read Temporal for a queued run: it has no workflow', () => {
    const queued = cachedRun('r', { status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'Queued', lastTransitionTime: NOW }] } });
    expect(needsWorkflowRead(queued)).toBe(false);
    const cancelling: OrchestrationRunStatus = { ...queued.status, cancelledBy: 'spec:kubectl', conditions: [...queued.status!.conditions!, { type: 'Cancelled', status: 'Unknown', reason: 'SpecCancel', lastTransitionTime: NOW }] };
    expect(needsWorkflowRead({ ...queued, status: cancelling })).toBe(true);
  });
});

describe('the API of concurrency limits', () => {
  it('accepts concurrency on an Orchestration and priority on a run, within bounds', () => {
    const o = { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'Orchestration', metadata: { name: 'o', namespace: 'ns', uid: 'o1' }, spec: { steps: [{ name: 'a', activity: { name: 'noop' } }], concurrency: { max: 3, perTriggerKey: true } } };
    expect(OrchestrationSchema.safeParse(o).success).toBe(true);
    expect(OrchestrationSchema.safeParse({ ...o, spec: { ...o.spec, concurrency: { max: 0 } } }).success).toBe(false);
    expect(parseRun({ ...cachedRun('r'), spec: { ...cachedRun('r').spec, priority: 1000 } }).ok).toBe(true);
    expect(parseRun({ ...cachedRun('r'), spec: { ...cachedRun('r').spec, priority: 1001 } }).ok).toBe(false);
  });

  it('reads the namespace and cluster limits from the environment, naming a bad value', () => {
    expect(loadBridgeConfig({}).concurrency).toEqual({ namespace: 0, cluster: 0 });
    expect(loadBridgeConfig({ JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_NAMESPACE: '10', JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_CLUSTER: '100' }).concurrency).toEqual({ namespace: 10, cluster: 100 });
    expect(() => loadBridgeConfig({ JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_NAMESPACE: '-1' })).toThrow(/JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_NAMESPACE/);
  });
});
