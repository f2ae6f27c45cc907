// Sub-orchestrations, the pure parts: the step's schema, its templates, the child's name and labels, the
// nesting check (cycles, depth), the bounded outputs a child returns, and what decide() does with a child
// run before its parent starts it.
import { describe, expect, it } from 'vitest';
import {
  ChildRunLabels,
  CHILD_OUTPUTS_MAX_CHARS,
  MAX_ORCHESTRATION_DEPTH,
  RUNTIME_CLEANUP_FINALIZER,
  StepSchema,
  boundedOutputs,
  cancelRequestFromHistory,
  checkNesting,
  childRunLabels,
  childRunNameFor,
  describeNesting,
  isChildRun,
  runDepth,
  stepProblems,
  type NestingStep,
  type OrchestrationRun,
  type OrchestrationRunStatus,
} from '../../core/index.js';
import { decide } from '../../bridge/decide.js';
import type { Action, Decision, ReconcileInput } from '../../bridge/types.js';

const sub = (name: string): NestingStep => ({ orchestration: { name } });

describe('the orchestration step schema', () => {
  it('accepts an orchestration step with parameters, alone', () => {
    expect(StepSchema.safeParse({ name: 's', orchestration: { name: 'child.v1', parameters: { who: '{{params.x}}' } } }).success).toBe(true);
  });
  it.each([
    ['beside an activity', { name: 's', orchestration: { name: 'c' }, activity: { name: 'sleep' } }, /exactly one of activity or job \(or approval, orchestration\)/],
    ['an invalid Orchestration name', { name: 's', orchestration: { name: 'Not_A_Name' } }, /DNS-1123 subdomain/],
    ['a parameter name that is no identifier', { name: 's', orchestration: { name: 'c', parameters: { 'a-b': 'x' } } }, /Invalid key in record/],
    ['too many parameters', { name: 's', orchestration: { name: 'c', parameters: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`p${i}`, 'x'])) } }, /at most 64 parameters/],
  ])('refuses %s', (_, step, message) => {
    const parsed = StepSchema.safeParse(step);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message).join('; ')).toMatch(message);
  });
  it("checks the templates of the child's parameters like any step's", () => {
    const steps = [
      { name: 'a', activity: { name: 'sleep' } },
      { name: 'b', orchestration: { name: 'c', parameters: { x: '{{params.missing}}', y: '{{steps.a.output}}', z: '{{steps.later.output}}' } } },
      { name: 'later', activity: { name: 'sleep' } },
    ];
    const problems = stepProblems(steps, {});
    expect(problems).toContain('step "b" uses {{params.missing}}, which is not a parameter of this run');
    expect(problems.some((p) => p.includes('{{steps.later.output}}'))).toBe(true);
    expect(problems.some((p) => p.includes('{{steps.a.output}}'))).toBe(false);
  });
});

describe('the child run', () => {
  const parent = { name: 'nightly', uid: '2b1f0c3e-0000-4000-8000-000000000001' };
  it('has one name per parent uid and step: deterministic, distinct, a DNS-1123 subdomain of at most 253 characters', () => {
    const name = childRunNameFor(parent, 'build');
    expect(childRunNameFor(parent, 'build')).toBe(name);
    expect(name).toMatch(/^nightly-build-[0-9a-z]{7}$/);
    expect(childRunNameFor({ ...parent, uid: 'other' }, 'build')).not.toBe(name);
    // "a-b" + "c" and "a" + "b-c" read alike; the digest tells them apart.
    expect(childRunNameFor({ name: 'a-b', uid: 'u' }, 'c')).not.toBe(childRunNameFor({ name: 'a', uid: 'u' }, 'b-c'));
    const long = childRunNameFor({ name: `${'x'.repeat(250)}.y`, uid: 'u' }, 's'.repeat(63));
    expect(long.length).toBeLessThanOrEqual(253);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
  });
  it('is labelled with its parent, its step and its depth; a long parent name is left to the uid label', () => {
    expect(childRunLabels(parent, 'build', 2)).toEqual({
      [ChildRunLabels.parentRun]: 'nightly',
      [ChildRunLabels.parentUid]: parent.uid,
      [ChildRunLabels.parentStep]: 'build',
      [ChildRunLabels.depth]: '2',
    });
    expect(childRunLabels({ name: 'x'.repeat(64), uid: 'u' }, 's', 1)[ChildRunLabels.parentRun]).toBeUndefined();
    const child = { metadata: { labels: childRunLabels(parent, 'build', 3) } };
    expect(isChildRun(child)).toBe(true);
    expect(runDepth(child)).toBe(3);
    expect(isChildRun({ metadata: {} })).toBe(false);
    expect(runDepth({ metadata: { labels: { [ChildRunLabels.depth]: 'deep' } } })).toBe(0);
  });
  it('returns its outputs whole, in order, while they fit', () => {
    expect(boundedOutputs({ a: '1', b: undefined, c: '3' })).toEqual({ a: '1', c: '3' });
    const big = 'x'.repeat(CHILD_OUTPUTS_MAX_CHARS / 2);
    const kept = boundedOutputs({ a: big, b: big, c: 'small' });
    expect(Object.keys(kept)).toEqual(['a', 'c']);
    expect(JSON.stringify(kept).length).toBeLessThanOrEqual(CHILD_OUTPUTS_MAX_CHARS);
  });
  it("reads a cancel requested by a parent run's workflow as ParentCancelled by parent:<name>", () => {
    expect(cancelRequestFromHistory(undefined, undefined, 'orchestrationrun/ns/nightly/u1')).toEqual({ reason: 'ParentCancelled', cancelledBy: 'parent:nightly' });
    expect(cancelRequestFromHistory(undefined, 'me', 'some-other-workflow')).toEqual({ reason: 'TemporalCancel', cancelledBy: 'temporal:me' });
  });
});

describe('checkNesting', () => {
  const orchestrations: Record<string, NestingStep[]> = {
    a: [sub('b')],
    b: [sub('a')],
    leaf: [{}],
    mid: [sub('leaf'), sub('leaf')],
    top: [sub('mid'), sub('leaf')],
    self: [sub('self')],
  };
  const stepsOf = (name: string) => orchestrations[name];

  it('accepts a tree and says how deep it goes', () => {
    expect(checkNesting('top', orchestrations.top!, stepsOf)).toEqual({ ok: true, depth: 2 });
    expect(checkNesting(undefined, [{}], stepsOf)).toEqual({ ok: true, depth: 0 });
    expect(checkNesting(undefined, [sub('unknown')], stepsOf)).toEqual({ ok: true, depth: 1 });
  });
  it('names a cycle by its path', () => {
    const result = checkNesting('a', orchestrations.a!, stepsOf);
    expect(result).toEqual({ ok: false, cycle: ['a', 'b', 'a'] });
    expect(describeNesting(result as Exclude<typeof result, { ok: true }>)).toBe('Orchestrations nest in a cycle: Orchestration a → b → a');
    expect(checkNesting(undefined, [sub('self')], stepsOf)).toEqual({ ok: false, cycle: ['self', 'self'] });
    // A run's own steps reaching a cycle further down.
    expect(checkNesting(undefined, [sub('top'), sub('a')], stepsOf)).toEqual({ ok: false, cycle: ['a', 'b', 'a'] });
  });
  it('refuses a chain deeper than the bound, naming it; a child counts from its own depth', () => {
    const chain: Record<string, NestingStep[]> = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`c${i}`, i < 7 ? [sub(`c${i + 1}`)] : [{}]]));
    const deep = checkNesting('c0', chain.c0!, (n) => chain[n]);
    expect(deep.ok).toBe(false);
    expect(describeNesting(deep as Exclude<typeof deep, { ok: true }>)).toBe(`Orchestrations nest deeper than ${MAX_ORCHESTRATION_DEPTH} levels: Orchestration c0 → c1 → c2 → c3 → c4 → c5 → c6`);
    expect(checkNesting('c3', chain.c3!, (n) => chain[n])).toEqual({ ok: true, depth: 4 });
    expect(checkNesting('c3', chain.c3!, (n) => chain[n], 2).ok).toBe(false);
  });
  it('walks each Orchestration once, however many paths reach it', () => {
    const wide: Record<string, NestingStep[]> = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`w${i}`, i < 4 ? Array.from({ length: 10 }, () => sub(`w${i + 1}`)).map((s, j) => (j % 2 ? s : { ...s })) : [{}]]));
    let lookups = 0;
    const result = checkNesting('w0', wide.w0!, (n) => {
      lookups += 1;
      return wide[n];
    });
    expect(result).toEqual({ ok: true, depth: 4 });
    expect(lookups).toBe(4);
  });
});

describe('decide: a child run before its parent starts it', () => {
  const NOW = '2026-11-30T12:00:00.000Z';
  const child = (status?: OrchestrationRunStatus): OrchestrationRun => ({
    apiVersion: 'orchestration.proompteng.ai/v1alpha1',
    kind: 'OrchestrationRun',
    metadata: { name: 'p-s-abc', namespace: 'ns', uid: 'c1', generation: 1, finalizers: [RUNTIME_CLEANUP_FINALIZER], labels: childRunLabels({ name: 'p', uid: 'p1' }, 's', 1) },
    spec: { steps: [{ name: 'x', activity: { name: 'sleep' } }] },
    ...(status ? { status } : {}),
  });
  const input = (run: OrchestrationRun, extra: Partial<ReconcileInput>): ReconcileInput => ({
    run,
    orchestration: undefined,
    workflow: { found: false },
    workflowId: 'orchestrationrun/ns/p-s-abc/c1',
    settings: { temporalNamespace: 'default', taskQueue: 'tq', uiBaseUrl: '' },
    now: NOW,
    ...extra,
  });
  const patch = (d: Decision) => d.actions.find((a): a is Extract<Action, { type: 'patchStatus' }> => a.type === 'patchStatus')?.status;

  it('waits Pending/WaitingForParent while its parent runs, and never starts its workflow', () => {
    const d = decide(input(child(), { parent: { found: true, name: 'p', phase: 'Running' } }));
    expect(d.actions.map((a) => a.type)).toEqual(['patchStatus']);
    expect(patch(d)).toMatchObject({ phase: 'Pending', message: "waiting for parent run p to start this child run's workflow" });
    expect(patch(d)?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'WaitingForParent' });
    expect(d.requeueAfterMs).toBeGreaterThan(0);
    // Once it says so, it only looks again.
    const shown = decide(input(child({ phase: 'Pending', conditions: patch(d)!.conditions }), { parent: { found: true, name: 'p', phase: 'Running' } }));
    expect(shown.actions).toEqual([]);
    expect(shown.requeueAfterMs).toBeGreaterThan(0);
  });
  it.each([
    [{ found: true, name: 'p', phase: 'Succeeded' } as const, 'parent run p ended Succeeded before it started this child run\'s workflow'],
    [{ found: false, name: 'p' } as const, "parent run p is gone before it started this child run's workflow"],
  ])('fails ParentEnded when its parent %o', (parent, message) => {
    const d = decide(input(child(), { parent }));
    expect(d.actions.map((a) => a.type)).toEqual(['event', 'patchStatus']);
    expect(patch(d)).toMatchObject({ phase: 'Failed', message });
    expect(patch(d)?.conditions?.find((c) => c.type === 'Succeeded')).toMatchObject({ status: 'False', reason: 'ParentEnded' });
  });
  it('mirrors the child once its workflow runs, as any run', () => {
    const d = decide(input(child({ phase: 'Running' }), { workflow: { found: true, runId: 'r1', status: 'RUNNING' }, parent: { found: true, name: 'p', phase: 'Running' } }));
    expect(d.actions.map((a) => a.type)).toEqual(['applyStatus', 'event']);
  });
  it('a run whose Orchestrations nest in a cycle ends Failed/InvalidSpec, naming the path', () => {
    const run = { ...child(), metadata: { name: 'r', namespace: 'ns', uid: 'u', generation: 1 } };
    const d = decide(input(run, { nestingProblem: 'Orchestrations nest in a cycle: Orchestration a → b → a' }));
    expect(patch(d)).toMatchObject({ phase: 'Failed' });
    expect(patch(d)?.message).toContain('Orchestration a → b → a');
    expect(d.actions.some((a) => a.type === 'startWorkflow')).toBe(false);
  });
});

describe('orchestration steps and step bounds', () => {
  it('refuses timeoutSeconds and retry on an orchestration step, naming the step, rather than ignoring them', () => {
    const problems = stepProblems(
      [
        { name: 'child', orchestration: { name: 'package' }, timeoutSeconds: 60, retry: { maxAttempts: 3 } },
        { name: 'after', activity: { name: 'noop' }, timeoutSeconds: 60 },
      ] as never,
      {},
      [{ name: 'tidy', orchestration: { name: 'cleanup' }, retry: { maxAttempts: 2 } }] as never,
    );
    expect(problems).toEqual([
      "step child: timeoutSeconds and retry do not apply to an orchestration step; bound its child run with its Orchestration's activeDeadlineSeconds",
      "step tidy: retry does not apply to an orchestration step; bound its child run with its Orchestration's activeDeadlineSeconds",
    ]);
  });
});
