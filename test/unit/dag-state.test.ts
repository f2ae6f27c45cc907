// Execution semantics of the pure core (seed 001): table tests for each rule, and properties over random DAGs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyStepEvent, buildDag, deriveRunPhase, initialState, stepCounts, stepsToStart, type GraphStep } from '../../core/index.js';
import { simulate } from '../support/dag-sim.js';

const free = { parallelism: 0, failFast: false };
const s = (name: string, dependsOn: string[] = [], continueOnFailure = false): GraphStep => ({ name, dependsOn, continueOnFailure });
const phases = (trace: ReturnType<typeof simulate>) =>
  Object.fromEntries(trace.dag.names.map((n, i) => [n, [trace.state.steps[i]!.phase, trace.state.steps[i]!.reason].filter(Boolean).join('/')]));
const failing = (...names: string[]) => (steps: GraphStep[]) => (i: number) => names.includes(steps[i]!.name);

describe('execution semantics', () => {
  it('runs a diamond: the join starts after both branches', () => {
    const steps = [s('a'), s('b', ['a']), s('c', ['a']), s('d', ['b', 'c'])];
    const trace = simulate(steps, free, () => false);
    expect(trace.started).toEqual([0, 1, 2, 3]);
    expect(trace.maxRunning).toBe(2);
    expect(deriveRunPhase(trace.dag, trace.state)).toBe('Succeeded');
  });

  it('skips dependents of a failed step transitively with DependencyFailed, runs the rest, and fails the run', () => {
    const steps = [s('a'), s('b', ['a']), s('c', ['b']), s('other')];
    const trace = simulate(steps, free, failing('a')(steps));
    expect(phases(trace)).toEqual({ a: 'Failed', b: 'Skipped/DependencyFailed', c: 'Skipped/DependencyFailed', other: 'Succeeded' });
    expect(trace.started).not.toContain(1);
    expect(deriveRunPhase(trace.dag, trace.state)).toBe('Failed');
  });

  it('lets dependents of a continueOnFailure step run, and the run succeed', () => {
    const steps = [s('a', [], true), s('b', ['a'])];
    const trace = simulate(steps, free, failing('a')(steps));
    expect(phases(trace)).toEqual({ a: 'Failed', b: 'Succeeded' });
    expect(deriveRunPhase(trace.dag, trace.state)).toBe('Succeeded');
  });

  it('failFast starts nothing new after a failure, lets running steps finish, skips the unstarted with FailFast', () => {
    const steps = [s('a'), s('b'), s('c', ['b']), s('d', ['a'])];
    const trace = simulate(steps, { parallelism: 0, failFast: true }, failing('a')(steps));
    expect(phases(trace)).toEqual({ a: 'Failed', b: 'Succeeded', c: 'Skipped/FailFast', d: 'Skipped/DependencyFailed' });
    expect(deriveRunPhase(trace.dag, trace.state)).toBe('Failed');
  });

  it('caps running steps at parallelism and starts them in declaration order', () => {
    const steps = Array.from({ length: 10 }, (_, i) => s(`w${i}`, []));
    const trace = simulate(steps, { parallelism: 3, failFast: false }, () => false);
    expect(trace.maxRunning).toBe(3);
    expect(trace.started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('skips the dependents of a step that ended Cancelled, so the run cannot strand', () => {
    const built = buildDag([s('a'), s('b', ['a']), s('c', ['b'])]);
    if (!built.ok) throw new Error('invalid');
    const state = initialState(built.dag);
    applyStepEvent(built.dag, state, { type: 'started', step: 0, at: 't1' }, free);
    applyStepEvent(built.dag, state, { type: 'cancelled', step: 0, at: 't2' }, free);
    expect(state.steps.map((x) => [x.phase, x.reason ?? ''])).toEqual([['Cancelled', ''], ['Skipped', 'DependencyFailed'], ['Skipped', 'DependencyFailed']]);
    expect(state.steps[1]!.message).toBe('dependency "a" was cancelled');
    expect(deriveRunPhase(built.dag, state)).toBe('Cancelled');
  });

  it('a launching step (a job step before its Job exists) shows Pending, holds a parallelism slot, and runs once confirmed', () => {
    const built = buildDag([s('job'), s('other')]);
    if (!built.ok) throw new Error('invalid');
    const one = { parallelism: 1, failFast: true };
    const state = initialState(built.dag);
    applyStepEvent(built.dag, state, { type: 'started', step: 0, at: 't1', launching: true }, one);
    expect(state.steps[0]).toEqual({ phase: 'Pending', launching: true });
    expect(stepsToStart(state, one)).toEqual([]);
    expect(stepCounts(state)).toMatchObject({ pending: 2, running: 0 });
    applyStepEvent(built.dag, state, { type: 'running', step: 0, at: 't2', attempt: 1, jobName: 'job-1' }, one);
    expect(state.steps[0]).toEqual({ phase: 'Running', startTime: 't2', attempts: 1, jobName: 'job-1' });
    applyStepEvent(built.dag, state, { type: 'running', step: 0, at: 't3', attempt: 2, jobName: 'job-2', message: 'attempt 1 failed' }, one);
    expect(state.steps[0]).toMatchObject({ startTime: 't2', attempts: 2, jobName: 'job-2', message: 'attempt 1 failed' });
    applyStepEvent(built.dag, state, { type: 'succeeded', step: 0, at: 't4', attempts: 2 }, one);
    expect(state.steps[0]).toMatchObject({ phase: 'Succeeded', jobName: 'job-2', completionTime: 't4' });
    expect(stepsToStart(state, one)).toEqual([1]);
  });

  it('failFast never skips a launching step: its runner reports how it ends', () => {
    const built = buildDag([s('a'), s('job')]);
    if (!built.ok) throw new Error('invalid');
    const policy = { parallelism: 0, failFast: true };
    const state = initialState(built.dag);
    applyStepEvent(built.dag, state, { type: 'started', step: 0, at: 't1' }, policy);
    applyStepEvent(built.dag, state, { type: 'started', step: 1, at: 't1', launching: true }, policy);
    applyStepEvent(built.dag, state, { type: 'failed', step: 0, at: 't2', message: 'boom' }, policy);
    expect(state.steps[1]).toEqual({ phase: 'Pending', launching: true });
    applyStepEvent(built.dag, state, { type: 'failed', step: 1, at: 't3', reason: 'JobRejected', message: 'rejected' }, policy);
    expect(state.steps[1]).toEqual({ phase: 'Failed', reason: 'JobRejected', message: 'rejected', completionTime: 't3' });
    expect(state.running).toBe(0);
  });

  it('counts steps by phase', () => {
    const steps = [s('a'), s('b', ['a']), s('c')];
    const trace = simulate(steps, free, failing('a')(steps));
    expect(stepCounts(trace.state)).toEqual({ total: 3, pending: 0, running: 0, succeeded: 1, failed: 1, skipped: 1, cancelled: 0 });
  });
});

/** Random DAGs: edges only point backwards in the list, so every generated graph is acyclic. */
const dagCase = fc
  .integer({ min: 1, max: 40 })
  .chain((n) =>
    fc.record({
      steps: fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.record({
            deps: fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), { maxLength: i === 0 ? 0 : Math.min(i, 4) }),
            continueOnFailure: fc.boolean(),
            fails: fc.boolean(),
          }),
        ),
      ),
      parallelism: fc.integer({ min: 0, max: 5 }),
      failFast: fc.boolean(),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 50 }),
    }),
  );

describe('properties over random DAGs', () => {
  it('no step starts before its dependencies ended; every step ends in exactly one terminal phase', () => {
    fc.assert(
      fc.property(dagCase, ({ steps, parallelism, failFast, picks }) => {
        const graph = steps.map((st, i) => ({ name: `s${i}`, dependsOn: st.deps.map((d) => `s${d}`), continueOnFailure: st.continueOnFailure }));
        let turn = 0;
        const trace = simulate(graph, { parallelism, failFast }, (i) => steps[i]!.fails, (n) => picks[turn++ % picks.length]! % n);
        for (const [step, depPhases] of trace.depPhasesAtStart) {
          depPhases.forEach((phase, k) => {
            const dep = trace.dag.deps[step]![k]!;
            expect(phase === 'Succeeded' || (phase === 'Failed' && trace.dag.continueOnFailure[dep])).toBe(true);
          });
        }
        expect(new Set(trace.started).size).toBe(trace.started.length);
        expect([...trace.started].sort()).toEqual([...trace.ended].sort());
        for (const step of trace.state.steps) expect(['Succeeded', 'Failed', 'Skipped']).toContain(step.phase);
        trace.state.steps.forEach((step, i) => expect(step.phase === 'Skipped').toBe(!trace.started.includes(i)));
        if (parallelism > 0) expect(trace.maxRunning).toBeLessThanOrEqual(parallelism);
        const counts = stepCounts(trace.state);
        expect(counts.succeeded + counts.failed + counts.skipped).toBe(graph.length);
      }),
      { numRuns: 300 },
    );
  });
});
