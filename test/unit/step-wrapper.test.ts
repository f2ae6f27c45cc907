// The worker's wrapper decides who counts a failure: with the invocation in its input (the workflow owns the
// step's attempts) every failure of the step itself ends the delivery, saying whether the step may try again;
// a worker shutting down hands the attempt back for Temporal to deliver again.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { asStepActivity, WORKER_SHUTDOWN_FAILURE } from '../../activities/step-wrapper.js';
import { retryDelaySeconds, type StepInvocation } from '../../core/index.js';

const invocation: StepInvocation = { runUid: 'u1', namespace: 'ns', run: 'r', step: 's', attempt: 2 };

async function failureOf(fn: () => Promise<unknown>, withInvocation = true): Promise<ApplicationFailure> {
  const env = new MockActivityEnvironment({ attempt: 7 });
  const arg = withInvocation ? { input: {}, cancelGraceSeconds: 0, invocation } : { input: {}, cancelGraceSeconds: 0 };
  const err = await env.run(asStepActivity(fn), arg).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('asStepActivity with the invocation', () => {
  it('passes the invocation to the step and reports its attempt', async () => {
    const env = new MockActivityEnvironment({ attempt: 3 });
    let seen: StepInvocation | undefined;
    const result = await env.run(asStepActivity((_input, inv) => ((seen = inv), Promise.resolve('ok'))), { input: {}, cancelGraceSeconds: 0, invocation });
    expect(seen).toEqual(invocation);
    expect(result).toEqual({ attempt: 2, output: 'ok' });
  });

  it.each([
    ['a plain error', () => Promise.reject(new Error('boom')), true],
    ['a retryable ApplicationFailure', () => Promise.reject(ApplicationFailure.retryable('5xx', 'HttpStatus')), true],
    ['a non-retryable ApplicationFailure', () => Promise.reject(ApplicationFailure.nonRetryable('bad', 'InvalidInput')), false],
  ])('%s ends the delivery without a Temporal retry; retryable for the step: %s', async (_what, fn, retryable) => {
    const failure = await failureOf(fn);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toEqual({ attempt: 2, retryable });
  });

  it('a worker shutdown hands the attempt back: a retryable WorkerShutdown failure', async () => {
    const env = new MockActivityEnvironment();
    const running = env.run(asStepActivity(() => new Promise(() => undefined)), { input: {}, cancelGraceSeconds: 60, invocation });
    env.cancel('WORKER_SHUTDOWN');
    const err = await running.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(WORKER_SHUTDOWN_FAILURE);
    expect((err as ApplicationFailure).nonRetryable).toBe(false);
  });

  it('a worker shutdown hands the attempt back even when the step throws its own AbortError', async () => {
    const env = new MockActivityEnvironment();
    const step = () =>
      new Promise((_resolve, reject) => {
        const signal = Context.current().cancellationSignal;
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      });
    const running = env.run(asStepActivity(step), { input: {}, cancelGraceSeconds: 0, invocation });
    env.cancel('WORKER_SHUTDOWN');
    const err = await running.then(() => undefined, (e: unknown) => e);
    expect((err as ApplicationFailure).type).toBe(WORKER_SHUTDOWN_FAILURE);
  });

  it('a cancel from the workflow stays a cancellation', async () => {
    const env = new MockActivityEnvironment();
    const running = env.run(asStepActivity(() => new Promise(() => undefined)), { input: {}, cancelGraceSeconds: 0, invocation });
    env.cancel('CANCELLED');
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  });
});

describe('asStepActivity from workflows before the invocation', () => {
  it("leaves retries to Temporal's policy and reports Temporal's attempt", async () => {
    const failure = await failureOf(() => Promise.reject(new Error('boom')), false);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.details?.[0]).toEqual({ attempt: 7 });
  });
});

describe('retryDelaySeconds', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 4],
    [10, 100],
  ])('after attempt %i waits %i s (initial 1 s, coefficient 2, capped at 100 × initial)', (attempt, seconds) => {
    expect(retryDelaySeconds({ initialIntervalSeconds: 1, backoffCoefficient: 2 }, attempt)).toBe(seconds);
  });
});
