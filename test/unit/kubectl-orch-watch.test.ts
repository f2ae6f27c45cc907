// The retry policy kubectl-orch's wait and submit --watch use against the apiserver, on a fake clock: which
// failures are retried, how long it pauses, when it gives up and what it says then. (That a real apiserver
// restart is ridden out is test/e2e/kubectl-orch-own-apiserver.test.ts.)
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { CliError, isTransient } from '../../cli/kube.js';
import { Backoff, retryDelay, RETRY_POLICY, withRetries, type Clock } from '../../cli/retry.js';

/** A clock whose sleeps pass at once and are recorded. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

const refused = () => Object.assign(new Error('request to https://10.0.0.1:6443/apis failed, reason: connect ECONNREFUSED 10.0.0.1:6443'), { type: 'system', code: 'ECONNREFUSED', errno: 'ECONNREFUSED' });
const watchRefused = (statusCode: number, text: string) => Object.assign(new Error(text), { statusCode });
const action = { verb: 'watch', plural: 'orchestrationruns', name: 'build-1', namespace: 'ci', server: 'https://10.0.0.1:6443' };

describe('which failures are retried', () => {
  it.each([
    ['a refused connection', refused(), true],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['a watch cut mid-answer', Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }), true],
    ['a 503 while the apiserver starts', new ApiException(503, 'Service Unavailable', '', {}), true],
    ['a 429 from priority and fairness', watchRefused(429, 'Too Many Requests'), true],
    ['a 500 on a watch', watchRefused(500, 'Internal Server Error'), true],
    ['a 403', watchRefused(403, 'Forbidden'), false],
    ['a 404', new ApiException(404, 'Not Found', '', {}), false],
    ['a host that does not exist', Object.assign(new Error('getaddrinfo ENOTFOUND nope'), { code: 'ENOTFOUND' }), false],
    ['a certificate refused', Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), false],
    ['a bug', new TypeError('x is undefined'), false],
    ['an explained 503, by its cause', new CliError('get failed: HTTP 503', 3, { cause: new ApiException(503, 'Service Unavailable', '', {}) }), true],
  ])('%s: %s', (_what, err, transient) => {
    expect(isTransient(err)).toBe(transient);
  });
});

describe('backoff', () => {
  it('doubles from 0.5 s and is capped at 15 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10].map((n) => retryDelay(RETRY_POLICY, n))).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
  });

  it('retries transient failures until the attempt succeeds', async () => {
    const clock = fakeClock();
    let calls = 0;
    const got = await withRetries(action, () => (++calls < 4 ? Promise.reject(refused()) : Promise.resolve('run')), RETRY_POLICY, clock);
    expect(got).toBe('run');
    expect(clock.slept).toEqual([500, 1000, 2000]);
  });

  it('gives up after 2 min of failures in a row with one line naming the server', async () => {
    const clock = fakeClock();
    let calls = 0;
    const failing = withRetries(action, () => (calls++, Promise.reject(refused())), RETRY_POLICY, clock);
    await expect(failing).rejects.toThrow(
      new CliError('gave up after 121 s of failures from the Kubernetes API server at https://10.0.0.1:6443: cannot reach the Kubernetes API server at https://10.0.0.1:6443 (connection refused, ECONNREFUSED): is the cluster up, and is this the right kubeconfig context?'),
    );
    // Bounded: about a dozen tries, not a loop that spins.
    expect(calls).toBe(13);
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(RETRY_POLICY.giveUpAfterMs + RETRY_POLICY.maxDelayMs);
  });

  it('does not retry an answer: a 403 on the watch verb is explained at once, naming verb and resource', async () => {
    const clock = fakeClock();
    const backoff = new Backoff(action, RETRY_POLICY, clock);
    await expect(backoff.failed(watchRefused(403, 'Forbidden'))).rejects.toThrow(new CliError('no access: you may not watch orchestrationruns.orchestration.proompteng.ai in namespace ci'));
    expect(clock.slept).toEqual([]);
  });

  it('starts counting again after a success', async () => {
    const clock = fakeClock();
    const told: number[] = [];
    const backoff = new Backoff(action, RETRY_POLICY, clock, (_explained, failures) => told.push(failures));
    for (let i = 0; i < 5; i++) await backoff.failed(refused());
    backoff.succeeded();
    await backoff.failed(refused());
    expect(clock.slept).toEqual([500, 1000, 2000, 4000, 8000, 500]);
    // A caller tells the user once per run of failures: when the count is 1.
    expect(told).toEqual([1, 2, 3, 4, 5, 1]);
  });
});
