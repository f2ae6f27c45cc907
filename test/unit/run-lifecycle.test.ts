// The pure parts of the run lifecycle controls: finally templates and validation, the skipped event, the
// status of a run with finally steps, the new failure types, and which steps a resumed run reuses.
import { describe, expect, it } from 'vitest';
import {
  applyStepEvent,
  buildDag,
  buildStatusUpdate,
  findReferences,
  initialState,
  RUN_DEADLINE_EXCEEDED,
  RUN_FINALLY_FAILED,
  stepProblems,
  substitute,
  checkRun,
  planReuse,
  reuseSteps,
  type Step,
} from '../../core/index.js';
import { closedStatus } from '../../bridge/decide.js';

const act = (name: string, input: Record<string, unknown> = {}, extra: Partial<Step> = {}): Step => ({ name, activity: { name: 'sleep', input: { seconds: 0, ...input } }, ...extra });
const free = { parallelism: 0, failFast: false };

describe('templates of finally steps', () => {
  it('finds {{run.phase}} and {{steps.NAME.phase}} beside outputs and params; a typo stays invalid', () => {
    expect(findReferences({ a: '{{run.phase}} {{steps.build.phase}} {{steps.build.output}} {{params.x}} {{run.name}} {{steps.build}}' })).toEqual([
      { kind: 'runPhase' },
      { kind: 'stepPhase', step: 'build' },
      { kind: 'output', step: 'build' },
      { kind: 'param', name: 'x' },
      { kind: 'invalid', text: '{{run.name}}' },
      { kind: 'invalid', text: '{{steps.build}}' },
    ]);
  });

  it('substitutes phases only when given them (finally steps); steps keep the text otherwise', () => {
    const text = 'run {{run.phase}}, test {{steps.test.phase}}, out {{steps.test.output}}';
    expect(substitute(text, { params: {}, outputs: { test: 'ok' }, phases: { test: 'Failed' }, runPhase: 'Failed' })).toBe('run Failed, test Failed, out ok');
    expect(substitute(text, { params: {}, outputs: {} })).toBe('run {{run.phase}}, test {{steps.test.phase}}, out ');
  });
});

describe('validation of finally steps', () => {
  const steps = [act('build'), act('test', {}, { dependsOn: ['build'] })];

  it('accepts references to any step and to finally steps they depend on', () => {
    const fin = [act('report', { r: '{{run.phase}}', t: '{{steps.test.phase}}', o: '{{steps.build.output}}' }), act('after', { o: '{{steps.report.output}}' })];
    expect(stepProblems(steps, {}, fin)).toEqual([]);
  });

  it('names each problem: a shared name, a dependency on a step, a cycle, an unknown or later finally step, a phase outside finally', () => {
    expect(stepProblems(steps, {}, [act('build')])).toEqual(['finally step "build" has the name of a step; finally steps and steps share one list of names']);
    expect(stepProblems(steps, {}, [act('report', {}, { dependsOn: ['test'] })])).toEqual([
      'finally step "report" depends on "test", which is not a finally step; finally steps may depend only on each other (they run after every step)',
    ]);
    expect(stepProblems(steps, {}, [act('a', {}, { dependsOn: ['b'] }), act('b', {}, { dependsOn: ['a'] })])).toEqual(['finally: dependency cycle: a → b → a']);
    expect(stepProblems(steps, {}, [act('a', { o: '{{steps.b.output}}' }, { dependsOn: [] }), act('b', {}, { dependsOn: [] })])).toEqual([
      'finally step "a" uses {{steps.b.output}}, but "b" is neither a step nor a finally step it depends on',
    ]);
    expect(stepProblems(steps, {}, [act('a', { p: '{{steps.nope.phase}}' })])).toEqual(['finally step "a" uses {{steps.nope.phase}}, but "nope" is neither a step nor a finally step it depends on']);
    expect(stepProblems(steps, {}, [act('a', { p: '{{params.missing}}' })])).toEqual(['finally: step "a" uses {{params.missing}}, which is not a parameter of this run']);
    expect(stepProblems([act('build', { p: '{{run.phase}}' })], {})).toEqual(['step "build" uses {{run.phase}}, which only finally steps may use (the DAG has not ended while its steps run)']);
  });

  it('a template is not faulted for its runs\' parameters, in finally steps either', () => {
    expect(stepProblems(steps, 'template', [act('a', { p: '{{params.later}}' })])).toEqual([]);
  });

  it('the schema bounds the list and takes activeDeadlineSeconds', () => {
    const run = (spec: Record<string, unknown>) =>
      checkRun({ apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name: 'r', namespace: 'n', uid: 'u' }, spec: { steps: [act('a')], ...spec } });
    expect(run({ finally: [act('b')], activeDeadlineSeconds: 60 }).ok).toBe(true);
    expect(run({ activeDeadlineSeconds: 0 })).toMatchObject({ ok: false, problems: [expect.stringContaining('spec.activeDeadlineSeconds')] });
    expect(run({ finally: Array.from({ length: 51 }, (_, i) => act(`f${i}`)) })).toMatchObject({ ok: false, problems: [expect.stringContaining('spec.finally')] });
    expect(run({ finally: [] })).toMatchObject({ ok: false, problems: [expect.stringContaining('spec.finally')] });
  });
});

describe('the skipped event', () => {
  it('skips an unstarted step with its reason, and refuses a started one', () => {
    const built = buildDag([act('a'), act('b')]);
    if (!built.ok) throw new Error('dag');
    const state = initialState(built.dag);
    applyStepEvent(built.dag, state, { type: 'started', step: 0, at: 't0' }, free);
    applyStepEvent(built.dag, state, { type: 'skipped', step: 1, at: 't1', reason: 'DeadlineExceeded', message: 'late' }, free);
    expect(state.steps[1]).toEqual({ phase: 'Skipped', reason: 'DeadlineExceeded', message: 'late', completionTime: 't1' });
    expect(() => applyStepEvent(built.dag, state, { type: 'skipped', step: 0, at: 't2', reason: 'DeadlineExceeded', message: 'late' }, free)).toThrow(/cannot be skipped: it is Running/);
    applyStepEvent(built.dag, state, { type: 'cancelled', step: 0, at: 't3', reason: 'DeadlineExceeded', message: 'stopped' }, free);
    expect(state.steps[0]).toMatchObject({ phase: 'Cancelled', reason: 'DeadlineExceeded', message: 'stopped' });
  });
});

describe('status of a run with finally steps', () => {
  it('lists them after the steps, marked finally, and counts them in progress', () => {
    const main = buildDag([act('a')]);
    const fin = buildDag([act('f')]);
    if (!main.ok || !fin.ok) throw new Error('dag');
    const state = initialState(main.dag);
    applyStepEvent(main.dag, state, { type: 'started', step: 0, at: '2026-01-01T00:00:00Z' }, free);
    applyStepEvent(main.dag, state, { type: 'succeeded', step: 0, at: '2026-01-01T00:00:01Z' }, free);
    const update = buildStatusUpdate(main.dag, state, { phase: 'Running', startTime: '2026-01-01T00:00:00Z' }, { dag: fin.dag, state: initialState(fin.dag) });
    expect(update.steps.map((s) => [s.name, s.phase, s.finally ?? false])).toEqual([
      ['a', 'Succeeded', false],
      ['f', 'Pending', true],
    ]);
    expect(update.progress).toBe('1/2');
    expect(update.stepCounts).toMatchObject({ total: 2, succeeded: 1, pending: 1 });
  });
});

describe('the bridge reads the new failure types back', () => {
  it.each([
    [RUN_DEADLINE_EXCEEDED, 'DeadlineExceeded'],
    [RUN_FINALLY_FAILED, 'FinallyFailed'],
  ])('%s → Failed/%s', (failureType, reason) => {
    expect(closedStatus({ found: true, runId: 'r', status: 'FAILED', failureType, message: 'why' }, '2026-01-01T00:00:00Z')).toMatchObject({ phase: 'Failed', reason, message: 'why' });
  });
});

describe('resume: which steps are reused', () => {
  const earlierSteps = [act('a', { p: '{{params.x}}' }), act('b', {}, { dependsOn: ['a'] }), act('c', {}, { dependsOn: ['b'] }), act('d', {}, { dependsOn: [] })];
  const states = [
    { name: 'a', phase: 'Succeeded', output: 'A', startTime: 't0', completionTime: 't1' },
    { name: 'b', phase: 'Failed' },
    { name: 'c', phase: 'Skipped' },
    { name: 'd', phase: 'Succeeded', output: 'D' },
    { name: 'fin', phase: 'Succeeded', finally: true },
  ];
  const earlier = { name: 'old', phase: 'Failed', steps: earlierSteps, parameters: { x: '1' }, states };

  it('reuses what Succeeded unchanged, with its output and times; what failed and what follows it runs', () => {
    expect(planReuse({ steps: earlierSteps, parameters: { x: '1' }, rerun: [] }, earlier)).toEqual({
      reused: { a: { output: 'A', startTime: 't0', completionTime: 't1' }, d: { output: 'D' } },
      problems: [],
    });
  });

  it('runs again a step whose definition changed (a parameter it uses included), and every step after one that runs', () => {
    expect(Object.keys(planReuse({ steps: earlierSteps, parameters: { x: '2' }, rerun: [] }, earlier).reused)).toEqual(['d']);
    const changed = [act('a', { p: '{{params.x}}', more: true }), ...earlierSteps.slice(1)];
    expect(Object.keys(planReuse({ steps: changed, parameters: { x: '1' }, rerun: [] }, earlier).reused)).toEqual(['d']);
    // Field order does not make a change.
    const reordered = [{ activity: { input: { p: '{{params.x}}', seconds: 0 }, name: 'sleep' }, name: 'a' } as Step, ...earlierSteps.slice(1)];
    expect(Object.keys(planReuse({ steps: reordered, parameters: { x: '1' }, rerun: [] }, earlier).reused)).toEqual(['a', 'd']);
  });

  it('rerun forces steps and their dependents; names what it cannot do', () => {
    expect(Object.keys(planReuse({ steps: earlierSteps, parameters: { x: '1' }, rerun: ['a'] }, earlier).reused)).toEqual(['d']);
    expect(planReuse({ steps: earlierSteps, parameters: { x: '1' }, rerun: ['zz'] }, earlier).problems).toEqual(['rerun names "zz", which is not a step of this run']);
    const allGood = { ...earlier, phase: 'Succeeded', states: earlierSteps.map((s) => ({ name: s.name, phase: 'Succeeded' })) };
    expect(planReuse({ steps: earlierSteps, parameters: { x: '1' }, rerun: [] }, allGood).problems).toEqual([
      'resumeFrom: run "old" Succeeded and every step would be reused; name the steps to run again in rerun',
    ]);
  });

  it('refuses to reuse a step whose output a step that runs reads, when the earlier run continued as new and dropped it', () => {
    const steps = [act('a'), act('b', { saw: '{{steps.a.output}}' }, { dependsOn: ['a'] })];
    const from = { name: 'old', phase: 'Failed', steps, parameters: {}, states: [{ name: 'a', phase: 'Succeeded' }, { name: 'b', phase: 'Failed' }] };
    expect(planReuse({ steps, parameters: {}, rerun: [] }, { ...from, generations: 2 }).problems).toEqual([
      'resumeFrom: step "a" of run "old" would be reused, but its output is gone (that run continued as new, and nothing there read it); add "a" to rerun',
    ]);
    // In one generation a missing output is an empty one: the step gave none.
    expect(planReuse({ steps, parameters: {}, rerun: [] }, { ...from, generations: 1 }).problems).toEqual([]);
  });

  it('the workflow starts with the reused steps Succeeded and their dependents ready, whatever the declaration order', () => {
    const built = buildDag([act('late', {}, { dependsOn: ['early'] }), act('early', {}, { dependsOn: [] }), act('next', {}, { dependsOn: ['late'] })]);
    if (!built.ok) throw new Error('dag');
    const state = initialState(built.dag);
    reuseSteps(built.dag, state, { early: { output: 'E' }, late: {} });
    expect(state.steps.map((s) => [s.phase, s.reused ?? false])).toEqual([
      ['Succeeded', true],
      ['Succeeded', true],
      ['Pending', false],
    ]);
    expect(state.ready).toEqual([2]);
    expect(state.steps[1]!.output).toBe('E');
  });
});
