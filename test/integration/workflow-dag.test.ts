// orchestrationRunWorkflow on the real Temporal dev server with this project's worker: the seed's DAG
// semantics as a user sees them in the workflow's outcome and its getRunState query.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { waitFor } from '../../sandbox/wait.js';
import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step, StepInvocation } from '../../core/index.js';
import { getRunState } from '../../workflows/definitions.js';
import { outcome, snapshotOf, startRun, startTestWorker, type TestWorker } from '../support/temporal.js';

let tw: TestWorker;
let running = 0;
let maxRunning = 0;

/** Test activities: `track` counts concurrency, `flaky` fails until an attempt, `echo` returns its text. */
const testActivities = {
  async track(input: unknown) {
    running++;
    maxRunning = Math.max(maxRunning, running);
    try {
      await Context.current().sleep((input as { ms: number }).ms);
    } finally {
      running--;
    }
  },
  /** Counts the step's attempts as a step sees them: its invocation, not Temporal's deliveries. */
  flaky(input: unknown, invocation?: StepInvocation) {
    const { succeedOnAttempt } = input as { succeedOnAttempt: number };
    const attempt = invocation?.attempt ?? Context.current().info.attempt;
    if (attempt < succeedOnAttempt) return Promise.reject(ApplicationFailure.retryable(`attempt ${attempt} failed`, 'Flaky'));
    return Promise.resolve(`ok on attempt ${attempt}`);
  },
  echo(input: unknown) {
    return Promise.resolve((input as { text: string }).text);
  },
  /** Never ends and ignores cancellation: only the worker's wrapper can end it. */
  stubborn() {
    return new Promise(() => undefined);
  },
};

beforeAll(async () => {
  tw = await startTestWorker({ stepActivities: testActivities });
});
afterAll(async () => {
  await tw?.stop();
});

const sleep = (name: string, seconds = 0, extra: Partial<Step> = {}): Step => ({ name, activity: { name: 'sleep', input: { seconds } }, ...extra });
const fail = (name: string, extra: Partial<Step> = {}): Step => ({ name, activity: { name: 'fail', input: { message: `${name} broke` } }, ...extra });

async function runToEnd(steps: Step[], extra: Parameters<typeof snapshotOf>[1] = {}) {
  const handle = await startRun(tw, snapshotOf(steps, extra));
  const end = await outcome(handle);
  const state = await handle.query(getRunState);
  const byName = Object.fromEntries(state.steps.map((s) => [s.name, s]));
  const phases = Object.fromEntries(state.steps.map((s) => [s.name, [s.phase, s.reason].filter(Boolean).join('/')]));
  return { handle, ...end, state, byName, phases };
}

describe('orchestrationRunWorkflow', () => {
  it('on a workflow cancel, stops the running steps, cancels the unstarted ones, and closes Cancelled', async () => {
    const handle = await startRun(
      tw,
      snapshotOf([sleep('long', 600, { dependsOn: [] }), { name: 'deaf', dependsOn: [], activity: { name: 'stubborn' } }, sleep('after', 0, { dependsOn: ['long'] })]),
    );
    await waitFor(async () => ((await handle.query(getRunState)).steps.filter((s) => s.phase === 'Running').length === 2 ? true : undefined), {
      what: 'both steps running',
      timeoutMs: 30_000,
    });
    await handle.cancel();
    const end = await outcome(handle);
    expect(end.error?.cause).toBeInstanceOf(CancelledFailure);
    const state = await handle.query(getRunState);
    expect(Object.fromEntries(state.steps.map((s) => [s.name, s.phase]))).toEqual({ long: 'Cancelled', deaf: 'Cancelled', after: 'Cancelled' });
    expect(state.phase).toBe('Cancelled');
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  it('runs a diamond: the join starts only after both branches', async () => {
    const run = await runToEnd([sleep('a'), sleep('b', 0, { dependsOn: ['a'] }), sleep('c', 0, { dependsOn: ['a'] }), sleep('d', 0, { dependsOn: ['b', 'c'] })]);
    expect(run.result).toMatchObject({ phase: 'Succeeded', stepCounts: { total: 4, succeeded: 4 } });
    const { a, b, c, d } = run.byName;
    expect(b!.startTime! >= a!.completionTime!).toBe(true);
    expect(c!.startTime! >= a!.completionTime!).toBe(true);
    expect(d!.startTime! >= b!.completionTime! && d!.startTime! >= c!.completionTime!).toBe(true);
  });

  it('runs a list without dependsOn in order (sequential fallback)', async () => {
    const run = await runToEnd([sleep('one'), sleep('two'), sleep('three')]);
    const { one, two, three } = run.byName;
    expect(two!.startTime! >= one!.completionTime!).toBe(true);
    expect(three!.startTime! >= two!.completionTime!).toBe(true);
    expect(run.result?.phase).toBe('Succeeded');
  });

  it('runs a wide fan-out', async () => {
    const steps = [sleep('root'), ...Array.from({ length: 200 }, (_, i) => sleep(`leaf-${i}`, 0, { dependsOn: ['root'] }))];
    const run = await runToEnd(steps);
    expect(run.result).toMatchObject({ phase: 'Succeeded', stepCounts: { total: 201, succeeded: 201 } });
  });

  it('skips dependents of a failure transitively, runs what still can, and fails the run', async () => {
    const run = await runToEnd([fail('a', { dependsOn: [] }), sleep('b', 0, { dependsOn: ['a'] }), sleep('c', 0, { dependsOn: ['b'] }), sleep('d', 0, { dependsOn: [] })]);
    expect(run.phases).toEqual({ a: 'Failed/StepFailed', b: 'Skipped/DependencyFailed', c: 'Skipped/DependencyFailed', d: 'Succeeded' });
    expect(run.byName.a!.message).toBe('a broke');
    expect(run.byName.b!.startTime).toBeUndefined();
    expect(run.error?.cause?.type).toBe('OrchestrationRunFailed');
    expect(run.state.phase).toBe('Failed');
  });

  it('lets a continueOnFailure step fail without skipping its dependents or failing the run', async () => {
    const run = await runToEnd([fail('best-effort', { continueOnFailure: true, dependsOn: [] }), sleep('after', 0, { dependsOn: ['best-effort'] })]);
    expect(run.phases).toEqual({ 'best-effort': 'Failed/StepFailed', after: 'Succeeded' });
    expect(run.result?.phase).toBe('Succeeded');
  });

  it('failFast starts nothing new after a failure, lets running steps finish, skips the rest with FailFast', async () => {
    const run = await runToEnd(
      [fail('a', { dependsOn: [] }), sleep('slow', 2, { dependsOn: [] }), sleep('later', 0, { dependsOn: ['slow'] })],
      { policy: { parallelism: 0, failFast: true } },
    );
    expect(run.phases).toEqual({ a: 'Failed/StepFailed', slow: 'Succeeded', later: 'Skipped/FailFast' });
    expect(run.state.phase).toBe('Failed');
  });

  it('caps running steps at parallelism: the observed maximum equals the cap', async () => {
    maxRunning = 0;
    const steps = Array.from({ length: 12 }, (_, i): Step => ({ name: `t${i}`, dependsOn: [], activity: { name: 'track', input: { ms: 300 } } }));
    const run = await runToEnd(steps, { policy: { parallelism: 3, failFast: false } });
    expect(run.result?.phase).toBe('Succeeded');
    expect(maxRunning).toBe(3);
  });

  it('retries with the step retry policy and records the attempts', async () => {
    const run = await runToEnd([
      { name: 'flaky', activity: { name: 'flaky', input: { succeedOnAttempt: 3 } }, retry: { maxAttempts: 5, initialIntervalSeconds: 0.1, backoffCoefficient: 1 } },
      { name: 'gives-up', activity: { name: 'flaky', input: { succeedOnAttempt: 9 } }, retry: { maxAttempts: 2, initialIntervalSeconds: 0.1, backoffCoefficient: 1 } },
    ]);
    expect(run.byName.flaky).toMatchObject({ phase: 'Succeeded', attempts: 3, output: 'ok on attempt 3' });
    expect(run.byName['gives-up']).toMatchObject({ phase: 'Failed', attempts: 2, reason: 'Flaky', message: 'attempt 2 failed' });
  });

  it('fails a step that runs past timeoutSeconds', async () => {
    const run = await runToEnd([sleep('too-slow', 30, { timeoutSeconds: 1 })]);
    expect(run.byName['too-slow']).toMatchObject({ phase: 'Failed', reason: 'Timeout' });
    expect(run.byName['too-slow']!.message).toBe("the attempt ran past the step's timeoutSeconds (1s)");
  });

  it('substitutes parameters and outputs of earlier steps', async () => {
    const run = await runToEnd(
      [
        { name: 'first', activity: { name: 'echo', input: { text: 'hello {{params.who}}' } } },
        { name: 'second', activity: { name: 'echo', input: { text: '{{steps.first.output}} and {{ params.who }} again' } } },
      ],
      { parameters: { who: 'world' } },
    );
    expect(run.byName.second!.output).toBe('hello world and world again');
  });

  it('fails an unknown activity without retry, naming the registered ones', async () => {
    const run = await runToEnd([{ name: 'x', activity: { name: 'no-such-activity' }, retry: { maxAttempts: 5 } }]);
    expect(run.byName.x).toMatchObject({ phase: 'Failed', reason: 'UnknownActivity', attempts: 1 });
    expect(run.byName.x!.message).toBe('activity "no-such-activity" is not registered in this worker; registered: echo, fail, flaky, http, sleep, stubborn, track');
  });

  it('rejects an invalid spec before any step starts, with the cycle path', async () => {
    const handle = await startRun(tw, snapshotOf([sleep('a', 0, { dependsOn: ['b'] }), sleep('b', 0, { dependsOn: ['a'] })]));
    const end = await outcome(handle);
    expect(end.error?.cause?.type).toBe('InvalidSpec');
    expect(end.error?.cause?.message).toBe('invalid spec: dependency cycle: a → b → a');
  });
});
