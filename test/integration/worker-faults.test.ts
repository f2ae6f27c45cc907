// Issue 10: infrastructure never spends a step's attempts. Real worker processes on the sandbox, rolled
// out (SIGTERM) and killed (SIGKILL) while their steps run; the runs end as they would have without the
// fault, and the step's own failures still count against its retry policy.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../sandbox/process.js';
import { waitFor } from '../../sandbox/wait.js';
import { workflowIdFor } from '../../core/index.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { uniqueName } from '../support/sandbox.js';
import { startWorkerProcess } from '../support/processes.js';

let h: BridgeHarness;
const workers: ManagedProcess[] = [];

beforeAll(async () => {
  h = await startBridgeHarness('workerfault');
  // Only the worker processes of each test poll the task queue.
  await h.tw.stopWorker();
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop(2000)));
  await h?.stop();
});

async function worker(env: Record<string, string> = {}): Promise<ManagedProcess> {
  const proc = await startWorkerProcess({ taskQueue: h.tw.taskQueue, env });
  workers.push(proc);
  return proc;
}

const sleepRun = (seconds: number) => ({ steps: [{ name: 'work', activity: { name: 'sleep', input: { seconds } } }] });

async function uidOf(name: string): Promise<string> {
  return waitFor(async () => (await h.status(name)).uid, { what: `uid of ${name}`, timeoutMs: 30_000 });
}

/** Waits until the run's step activity has started on a worker, and names that worker (its pid). */
async function startedOn(name: string): Promise<number> {
  const handle = h.tw.client.workflow.getHandle(workflowIdFor({ namespace: h.ns, name, uid: await uidOf(name) }));
  return waitFor(
    async () => {
      const described = await handle.describe();
      const started = described.raw.pendingActivities?.find((a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
      // The SDK's default worker identity is pid@host.
      const pid = Number.parseInt(started?.lastWorkerIdentity?.split('@')[0] ?? '', 10);
      return Number.isNaN(pid) ? undefined : pid;
    },
    { what: `step activity of ${name} started`, timeoutMs: 60_000 },
  );
}

/**
 * Two workers; runs long enough to be running when the fault lands. Returns the worker that runs the most
 * steps, and the runs it runs.
 */
async function runsOnTwoWorkers(prefix: string): Promise<{ victim: ManagedProcess; hit: string[]; names: string[] }> {
  const pair = [await worker({ WORKER_SHUTDOWN_GRACE_SECONDS: '1' }), await worker({ WORKER_SHUTDOWN_GRACE_SECONDS: '1' })];
  const names = [0, 1, 2, 3].map(() => uniqueName(prefix));
  for (const name of names) expect((await h.apply('OrchestrationRun', name, sleepRun(15))).code).toBe(0);
  const on = new Map<string, number>();
  for (const name of names) on.set(name, await startedOn(name));
  const victim = pair.reduce((a, b) => ([...on.values()].filter((p) => p === b.pid).length > [...on.values()].filter((p) => p === a.pid).length ? b : a));
  return { victim, hit: names.filter((n) => on.get(n) === victim.pid), names };
}

/** The highest delivery attempt any ActivityTaskStarted event of the run's workflow shows. */
async function deliveries(name: string): Promise<number> {
  const handle = h.tw.client.workflow.getHandle(workflowIdFor({ namespace: h.ns, name, uid: await uidOf(name) }));
  const history = await handle.fetchHistory();
  return Math.max(0, ...(history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0));
}

describe('worker faults do not fail steps', () => {
  // Each test's steps run only on the workers it starts.
  beforeEach(() => Promise.all(workers.splice(0).map((w) => w.stop(2000))));

  /** Every run Succeeded with its step's attempt 1, and the fault did hit: each step of the victim was delivered again. */
  async function expectRidden(names: string[], hit: string[]): Promise<void> {
    for (const name of names) {
      const status = await h.phaseOf(name, ['Succeeded', 'Failed'], 90_000);
      expect(status.phase, JSON.stringify(status.steps)).toBe('Succeeded');
      expect(status.steps?.[0]?.attempts ?? 1).toBe(1);
    }
    expect(hit.length).toBeGreaterThan(0);
    for (const name of hit) expect(await deliveries(name), name).toBeGreaterThanOrEqual(2);
  }

  it('a rollout (SIGTERM) hands running steps to the other worker; every run Succeeds with attempt 1', async () => {
    const { victim, hit, names } = await runsOnTwoWorkers('rollout');
    await victim.stop(30_000); // SIGTERM: stops polling, 1 s grace, then hands the rest back
    await expectRidden(names, hit);
  });

  it('a worker killed with SIGKILL mid-step: its steps start again on the live worker and the runs Succeed', async () => {
    const { victim, hit, names } = await runsOnTwoWorkers('killed');
    process.kill(victim.pid!, 'SIGKILL');
    await expectRidden(names, hit);
  });
});

describe("a step's own failures still count", () => {
  let server: Server;
  let url: string;
  const keys: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      keys.push(String(req.headers['idempotency-key']));
      res.writeHead(503).end('try later');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    // The test's server listens on loopback, which http steps may not reach by default: only a worker that
    // allows it may poll the queue, so the workers left from the tests above stop first.
    await Promise.all(workers.splice(0).map((w) => w.stop(2000)));
    await worker({ HTTP_STEP_ALLOWED_DESTINATIONS: '127.0.0.1' });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a 5xx is retried per the step policy, each attempt with its own idempotency key', async () => {
    const name = uniqueName('http5xx');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'call', retry: { maxAttempts: 3, initialIntervalSeconds: 0.1 }, activity: { name: 'http', input: { url } } }] });
    const status = await h.phaseOf(name, ['Succeeded', 'Failed'], 60_000);
    expect(status.phase).toBe('Failed');
    expect(status.steps?.[0]).toMatchObject({ phase: 'Failed', reason: 'HttpStatus', attempts: 3 });
    const uid = status.uid;
    expect(keys.filter((k) => k.startsWith(uid))).toEqual([1, 2, 3].map((n) => `${uid}/call/${n}`));
  });

  it("the step's own timeout is a failure of the step, retried per its policy", async () => {
    const name = uniqueName('timeout');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'slow', timeoutSeconds: 1, retry: { maxAttempts: 2, initialIntervalSeconds: 0.1 }, activity: { name: 'sleep', input: { seconds: 30 } } }] });
    const status = await h.phaseOf(name, ['Succeeded', 'Failed'], 60_000);
    expect(status.steps?.[0]).toMatchObject({ phase: 'Failed', reason: 'Timeout', attempts: 2 });
    expect(status.steps?.[0]?.message).toMatch(/timeoutSeconds \(1s\)/);
  });

  it('a non-retryable failure (fail) ends the step at its first attempt', async () => {
    const name = uniqueName('fail');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'boom', retry: { maxAttempts: 5 }, activity: { name: 'fail', input: { message: 'nope' } } }] });
    const status = await h.phaseOf(name, ['Succeeded', 'Failed'], 60_000);
    expect(status.steps?.[0]).toMatchObject({ phase: 'Failed', message: 'nope' });
    expect(status.steps?.[0]?.attempts ?? 1).toBe(1);
  });
});
