// The graph rules of the pure core: sequential fallback, names, cycles with their path, template references.
import { describe, expect, it } from 'vitest';
import { buildDag, describeProblem, describeProblems, MAX_CYCLES_REPORTED, normalizeSteps, validateSteps, type ValidatableStep } from '../../core/index.js';

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

  it('names every problem in one pass: a missing name does not hide a cycle, nor the references after it', () => {
    const steps = [step('a', ['c', 'gone']), step('b', ['a'], act({ x: '{{params.nope}}' })), step('c', ['b'], act({ y: '{{steps.zz.output}}' }))];
    const result = validateSteps(steps, {});
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems.map(describeProblem)).toEqual([
        'step "a" depends on "gone", which is not a step of this run',
        'dependency cycle: a → b → c → a',
        'step "b" uses {{params.nope}}, which is not a parameter of this run',
        'step "c" uses {{steps.zz.output}}, but "zz" is not a step it depends on (directly or transitively)',
      ]);
  });

  it(`names each independent cycle, at most ${MAX_CYCLES_REPORTED}`, () => {
    const pairs = Array.from({ length: MAX_CYCLES_REPORTED + 2 }, (_, i) => [step(`x${i}`, [`y${i}`]), step(`y${i}`, [`x${i}`])]).flat();
    const built = buildDag(pairs);
    expect(built.ok).toBe(false);
    if (!built.ok) {
      expect(built.problems).toHaveLength(MAX_CYCLES_REPORTED);
      expect(built.problems.map((p) => (p.kind === 'cycle' ? [...new Set(p.cycle)].sort().join(',') : p.kind))).toEqual(
        Array.from({ length: MAX_CYCLES_REPORTED }, (_, i) => `x${i},y${i}`),
      );
    }
  });

  it('finds a cycle in a 5,000-step chain without exhausting the stack', () => {
    const steps = Array.from({ length: 5000 }, (_, i) => step(`s${i}`, [`s${(i + 1) % 5000}`]));
    const built = buildDag(steps);
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.problems[0]).toMatchObject({ kind: 'cycle' });
    if (!built.ok && built.problems[0]?.kind === 'cycle') expect(built.problems[0].cycle).toHaveLength(5001);
  });
});
