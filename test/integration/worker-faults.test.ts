// Issue 10: infrastructure never spends a step's attempts. Real worker processes on the sandbox, rolled
// out (SIGTERM) and killed (SIGKILL) while their steps run; the runs end as they would have without the
// fault, and the step's own failures still count against its retry policy.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** Waits until the run's step activity has started on a worker (not merely been scheduled). */
async function activityStarted(name: string): Promise<void> {
  const handle = h.tw.client.workflow.getHandle(workflowIdFor({ namespace: h.ns, name, uid: await uidOf(name) }));
  await waitFor(
    async () => {
      const described = await handle.describe();
      return described.raw.pendingActivities?.some((a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) ? true : undefined;
    },
    { what: `step activity of ${name} started`, timeoutMs: 60_000 },
  );
}

/** The highest delivery attempt any ActivityTaskStarted event of the run's workflow shows. */
async function deliveries(name: string): Promise<number> {
  const handle = h.tw.client.workflow.getHandle(workflowIdFor({ namespace: h.ns, name, uid: await uidOf(name) }));
  const history = await handle.fetchHistory();
  return Math.max(0, ...(history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0));
}

describe('worker faults do not fail steps', () => {
  it('a rollout (SIGTERM, then a new worker) hands running steps to the new worker; every run Succeeds with attempt 1', async () => {
    const old = await worker({ WORKER_SHUTDOWN_GRACE_SECONDS: '1' });
    const names = [0, 1, 2].map(() => uniqueName('rollout'));
    for (const name of names) expect((await h.apply('OrchestrationRun', name, sleepRun(6))).code).toBe(0);
    for (const name of names) await activityStarted(name);
    await worker();
    await old.stop(30_000); // SIGTERM: stops polling, 1 s grace, then hands the rest back
    for (const name of names) {
      const status = await h.phaseOf(name, ['Succeeded', 'Failed'], 90_000);
      expect(status.phase, JSON.stringify(status.steps)).toBe('Succeeded');
      expect(status.steps?.[0]?.attempts ?? 1).toBe(1);
      // The fault did hit: the attempt was delivered a second time.
      expect(await deliveries(name)).toBeGreaterThanOrEqual(2);
    }
  });

  it('a worker killed with SIGKILL mid-step: its steps start again on a live worker and the runs Succeed', async () => {
    const doomed = await worker();
    const names = [0, 1].map(() => uniqueName('killed'));
    for (const name of names) expect((await h.apply('OrchestrationRun', name, sleepRun(4))).code).toBe(0);
    for (const name of names) await activityStarted(name);
    await worker();
    process.kill(doomed.pid!, 'SIGKILL');
    for (const name of names) {
      const status = await h.phaseOf(name, ['Succeeded', 'Failed'], 90_000);
      expect(status.phase, JSON.stringify(status.steps)).toBe('Succeeded');
      expect(status.steps?.[0]?.attempts ?? 1).toBe(1);
      expect(await deliveries(name)).toBeGreaterThanOrEqual(2);
    }
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
    await worker();
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
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'boom', retry: { maxAttempts: 5 }, activity: { name: 'fail', input: { message: 'no' } } }] });
    const status = await h.phaseOf(name, ['Succeeded', 'Failed'], 60_000);
    expect(status.steps?.[0]).toMatchObject({ phase: 'Failed', message: 'no' });
    expect(status.steps?.[0]?.attempts ?? 1).toBe(1);
  });
});
