// decide-invalid.ts: invalid runs end Failed/InvalidSpec and Orchestrations show Ready, with bounded messages.
import { describe, expect, it } from 'vitest';
import { EVENT_MESSAGE_MAX_BYTES, STATUS_MESSAGE_MAX_BYTES, utf8Bytes, type Condition, type OrchestrationRun } from '../../core/index.js';
import { decideOrchestrationStatus, decideUnparsedRun } from '../../bridge/decide-invalid.js';
import { decide } from '../../bridge/decide.js';
import type { Action } from '../../bridge/types.js';

const NOW = '2026-11-23T12:00:00.000Z';
const name = (i: number) => `s${String(i).padStart(62, '0')}`; // 63 characters

function run(spec: OrchestrationRun['spec']): OrchestrationRun {
  return { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name: 'r1', namespace: 'ns', uid: 'u1', generation: 1 }, spec };
}
const decideFresh = (r: OrchestrationRun, extra: Partial<Parameters<typeof decide>[0]> = {}) =>
  decide({ run: r, orchestration: undefined, workflow: { found: false }, workflowId: 'w', settings: { temporalNamespace: 'default', taskQueue: 'tq', uiBaseUrl: '' }, now: NOW, ...extra }).actions;

function written(actions: readonly { type: string }[]) {
  const patch = actions.find((a): a is Extract<Action, { type: 'patchStatus' }> => a.type === 'patchStatus')?.status;
  const event = actions.find((a): a is Extract<Action, { type: 'event' }> => a.type === 'event');
  return { patch, event };
}

function expectBoundedInvalid(actions: readonly { type: string }[], mentions: RegExp) {
  const { patch, event } = written(actions);
  expect(patch?.phase).toBe('Failed');
  expect(utf8Bytes(patch!.message!)).toBeLessThanOrEqual(STATUS_MESSAGE_MAX_BYTES);
  for (const c of patch!.conditions!) {
    expect(c).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(utf8Bytes(c.message!)).toBeLessThanOrEqual(STATUS_MESSAGE_MAX_BYTES);
  }
  expect(patch!.message).toMatch(mentions);
  expect(event).toMatchObject({ eventType: 'Warning', reason: 'InvalidSpec' });
  expect(utf8Bytes(event!.message)).toBeLessThanOrEqual(EVENT_MESSAGE_MAX_BYTES);
  expect(event!.message).toMatch(/^invalid spec: /);
}

describe('decide: invalid runs of any size get a status the apiserver accepts', () => {
  it('600 steps using a missing {{params.branch}}', () => {
    const steps = Array.from({ length: 600 }, (_, i) => ({ name: name(i), activity: { name: 'sleep', input: { note: 'on {{params.branch}}' } } }));
    const actions = decideFresh(run({ steps }));
    expectBoundedInvalid(actions, /uses \{\{params\.branch\}\}.*; and \d+ more$/);
  });

  it('a cycle of 2,000 steps with 63-character names', () => {
    const steps = Array.from({ length: 2000 }, (_, i) => ({ name: name(i), dependsOn: [name((i + 1) % 2000)], activity: { name: 'sleep' } }));
    expectBoundedInvalid(decideFresh(run({ steps })), /^invalid spec: dependency cycle: s0+ → /);
  });

  it('a referenced Orchestration the schema rejects, naming its problems', () => {
    const actions = decideFresh(run({ orchestrationRef: { name: 'tpl' } }), { orchestrationProblems: ['spec.steps[0].job.resources.requests.cpu: Too big'] });
    expectBoundedInvalid(actions, /Orchestration tpl: spec\.steps\[0\]\.job\.resources\.requests\.cpu/);
  });
});

describe('decideUnparsedRun', () => {
  const problems = ['spec.steps[0].job.resources.requests.cpu: Too big: expected string to have <=64 characters'];
  it.each([
    { name: 'a new run ends Failed/InvalidSpec naming the path', run: { deleting: false, holdsFinalizer: false }, want: ['event', 'patchStatus'] },
    { name: 'once Failed, nothing more (level-based: no Event at every resync)', run: { deleting: false, holdsFinalizer: false, status: { phase: 'Failed' } }, want: [] },
    { name: 'started under an older schema: left to its workflow', run: { deleting: false, holdsFinalizer: true, status: { phase: 'Running', temporal: {} } }, want: [] },
    { name: 'deleted while holding the finalizer: let go', run: { deleting: true, holdsFinalizer: true }, want: ['removeFinalizer'] },
    { name: 'started, then deleted: let go (the orphan sweep cancels its workflow)', run: { deleting: true, holdsFinalizer: true, status: { phase: 'Running', temporal: {} } }, want: ['removeFinalizer'] },
    { name: 'deleted without the finalizer: nothing', run: { deleting: true, holdsFinalizer: false }, want: [] },
  ] as { name: string; run: Omit<Parameters<typeof decideUnparsedRun>[0], 'generation'>; want: string[] }[])('$name', ({ run: r, want }) => {
    const actions = decideUnparsedRun({ generation: 2, ...r }, problems, NOW);
    expect(actions.map((a) => a.type)).toEqual(want);
    if (want.includes('patchStatus')) expectBoundedInvalid(actions, /spec\.steps\[0\]\.job\.resources\.requests\.cpu: Too big/);
  });
});

describe('decideOrchestrationStatus', () => {
  const ready = (status: Condition['status'], reason: string, message: string): Condition => ({ type: 'Ready', status, reason, message, lastTransitionTime: '2026-11-23T11:00:00Z', observedGeneration: 1 });

  it('a valid template: Ready=True, no Event', () => {
    const actions = decideOrchestrationStatus(undefined, [], 1, NOW);
    expect(actions).toEqual([{ type: 'patchStatus', status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'Valid', message: 'the steps form a valid DAG', observedGeneration: 1, lastTransitionTime: NOW }] } }]);
  });

  it('a cycle: Ready=False/InvalidSpec with the cycle path, and a Warning', () => {
    const actions = decideOrchestrationStatus(undefined, ['dependency cycle: a → b → a'], 1, NOW);
    expect(actions).toEqual([
      { type: 'event', eventType: 'Warning', reason: 'InvalidSpec', message: 'invalid spec: dependency cycle: a → b → a' },
      { type: 'patchStatus', status: { observedGeneration: 1, conditions: [expect.objectContaining({ status: 'False', reason: 'InvalidSpec', message: 'invalid spec: dependency cycle: a → b → a' })] } },
    ]);
  });

  it('writes nothing when the condition already says so for this generation', () => {
    expect(decideOrchestrationStatus({ observedGeneration: 1, conditions: [ready('True', 'Valid', 'the steps form a valid DAG')] }, [], 1, NOW)).toEqual([]);
    expect(decideOrchestrationStatus({ observedGeneration: 1, conditions: [ready('False', 'InvalidSpec', 'invalid spec: x')] }, ['x'], 1, NOW)).toEqual([]);
  });

  it('a fixed template turns Ready=True, a new generation is written again', () => {
    const fixed = decideOrchestrationStatus({ observedGeneration: 1, conditions: [ready('False', 'InvalidSpec', 'invalid spec: x')] }, [], 2, NOW);
    expect(fixed).toHaveLength(1);
    expect(fixed[0]).toMatchObject({ status: { observedGeneration: 2, conditions: [{ status: 'True', lastTransitionTime: NOW }] } });
  });

  it('bounds thousands of problems', () => {
    const problems = Array.from({ length: 5000 }, (_, i) => `step "${name(i)}" depends on "${name(i + 5000)}", which is not a step of this run`);
    const [event, patch] = decideOrchestrationStatus(undefined, problems, 1, NOW);
    const message = (patch as { status: { conditions: Condition[] } }).status.conditions[0]!.message!;
    expect(utf8Bytes(message)).toBeLessThanOrEqual(STATUS_MESSAGE_MAX_BYTES);
    expect(message).toMatch(/; and \d+ more$/);
    expect(utf8Bytes((event as { message: string }).message)).toBeLessThanOrEqual(EVENT_MESSAGE_MAX_BYTES);
  });
});
