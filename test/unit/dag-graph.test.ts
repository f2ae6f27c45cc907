// The graph rules of the pure core: sequential fallback, names, cycles with their path, template references.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyStepEvent, buildDag, concurrencyBound, describeProblems, initialState, stepsToStart, normalizeSteps, validateSteps, type ValidatableStep } from '../../core/index.js';

const act = (input: Record<string, unknown> = {}) => ({ activity: { name: 'sleep', input } });
const step = (name: string, dependsOn?: string[], extra: Partial<ValidatableStep> = {}): ValidatableStep => ({
  name,
  ...(dependsOn ? { dependsOn } : {}),
  ...act(),
  ...extra,
});

describe('normalizeSteps', () => {
  it('runs a list without any dependsOn in order', () => {
    expect(normalizeSteps([step('a'), step('b'), step('c')]).map((s) => s.dependsOn)).toEqual([[], ['a'], ['b']]);
  });
  it('leaves a list alone once any step declares dependsOn', () => {
    expect(normalizeSteps([step('a'), step('b'), step('c', ['a'])]).map((s) => s.dependsOn)).toEqual([[], [], ['a']]);
  });
});

describe('validateSteps', () => {
  it.each([
    ['a two-step cycle', [step('a', ['b']), step('b', ['a'])], 'dependency cycle: a → b → a'],
    ['a three-step cycle', [step('a', ['c']), step('b', ['a']), step('c', ['b']), step('d', [])], 'dependency cycle: a → b → c → a'],
    ['a self-dependency', [step('x', []), step('a', ['a'])], 'dependency cycle: a → a'],
    ['a duplicate name', [step('a'), step('a')], 'duplicate step name "a"'],
    ['a missing name', [step('a', []), step('b', ['nope'])], 'step "b" depends on "nope", which is not a step of this run'],
    [
      'an unknown parameter',
      [step('a', undefined, act({ url: 'http://x/{{params.missing}}' }))],
      'step "a" uses {{params.missing}}, which is not a parameter of this run',
    ],
    [
      'an output of a step that is not an ancestor',
      [step('a', []), step('b', []), step('c', ['a'], act({ body: '{{steps.b.output}}' }))],
      'step "c" uses {{steps.b.output}}, but "b" is not a step it depends on (directly or transitively)',
    ],
    [
      'an output of itself',
      [step('a', [], act({ body: '{{ steps.a.output }}' }))],
      'step "a" uses {{steps.a.output}}, but "a" is not a step it depends on (directly or transitively)',
    ],
    ['a typo in a reference', [step('a', [], act({ x: '{{param.branch}}' }))], 'step "a" has an invalid reference {{param.branch}}; use {{params.NAME}} or {{steps.NAME.output}}'],
    ['a malformed reference', [step('a', [], act({ x: '{{params.a.output}}' }))], 'step "a" has an invalid reference {{params.a.output}}; use {{params.NAME}} or {{steps.NAME.output}}'],
    [
      "a worker's internal activity",
      [{ name: 'sneaky', dependsOn: [], activity: { name: 'deleteStepJob', input: { jobName: 'someone-elses' } } }],
      'step "sneaky" names activity "deleteStepJob", which is internal to the worker and cannot be a step',
    ],
  ])('rejects %s, naming it', (_case, steps, message) => {
    const result = validateSteps(steps, {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(describeProblems(result.problems)).toBe(message);
  });

  it('accepts parameters it has and outputs of transitive ancestors, in job fields too', () => {
    const result = validateSteps(
      [
        step('a'),
        step('b'),
        { name: 'c', job: { image: 'busybox', args: ['{{steps.a.output}}', '{{params.branch}}'], env: [{ name: 'X', value: '{{steps.b.output}}' }] } },
      ],
      { branch: 'main' },
    );
    expect(result.ok).toBe(true);
  });

  it('finds a cycle in a 5,000-step chain without exhausting the stack', () => {
    const steps = Array.from({ length: 5000 }, (_, i) => step(`s${i}`, [`s${(i + 1) % 5000}`]));
    const built = buildDag(steps);
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.problems[0]).toMatchObject({ kind: 'cycle' });
    if (!built.ok && built.problems[0]?.kind === 'cycle') expect(built.problems[0].cycle).toHaveLength(5001);
  });
});

describe('concurrencyBound', () => {
  const dagOf = (steps: { name: string; dependsOn: string[] }[]) => {
    const built = buildDag(steps);
    if (!built.ok) throw new Error('invalid');
    return built.dag;
  };
  it('is 1 for a chain, the width for a root with a fan-out, and n − longest + 1 in general', () => {
    expect(concurrencyBound(dagOf(Array.from({ length: 100 }, (_, i) => ({ name: `s${i}`, dependsOn: i ? [`s${i - 1}`] : [] }))))).toBe(1);
    expect(concurrencyBound(dagOf([{ name: 'r', dependsOn: [] }, ...Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}`, dependsOn: ['r'] }))]))).toBe(1000);
    // A diamond: a → (b, c) → d.
    expect(concurrencyBound(dagOf([{ name: 'a', dependsOn: [] }, { name: 'b', dependsOn: ['a'] }, { name: 'c', dependsOn: ['a'] }, { name: 'd', dependsOn: ['b', 'c'] }]))).toBe(2);
    expect(concurrencyBound(dagOf([{ name: 'x', dependsOn: [] }, { name: 'y', dependsOn: [] }]))).toBe(2);
  });

  it('is never below the steps running at once, whatever order they end in', () => {
    const at = '2026-01-01T00:00:00Z';
    const policy = { parallelism: 0, failFast: false };
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.nat(40), { maxLength: 4 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 80 }),
        (depLists, picks) => {
          const dag = dagOf(depLists.map((deps, i) => ({ name: `s${i}`, dependsOn: deps.filter((d) => d < i).map((d) => `s${d}`) })));
          const bound = concurrencyBound(dag);
          const state = initialState(dag);
          const running: number[] = [];
          for (let turn = 0; ; turn += 1) {
            for (const i of stepsToStart(state, policy)) {
              applyStepEvent(dag, state, { type: 'started', step: i, at }, policy);
              running.push(i);
            }
            expect(running.length).toBeLessThanOrEqual(bound);
            if (running.length === 0) break;
            const [ended] = running.splice(picks[turn % picks.length]! % running.length, 1);
            applyStepEvent(dag, state, { type: 'succeeded', step: ended!, at }, policy);
          }
        },
      ),
    );
  });
});
