// Concurrency limits on the real sandbox: an Orchestration's concurrency.max and the namespace limit of the
// bridge (JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_NAMESPACE) hold runs Pending with Ready=False/Queued and
// their place, visible in kubectl get; they start first-in first-out (priority first) as slots free, and never
// more than the limit at once — also across a bridge SIGKILLed while runs are queued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../sandbox/process.js';
import { waitFor } from '../../sandbox/wait.js';
import { createNamespace, startBridgeHarness, type BridgeHarness, type RunView } from '../support/bridge-harness.js';
import { startBridgeProcess } from '../support/processes.js';
import { installCrds } from '../../sandbox/kubernetes/apply.js';
import { kubectl, sandboxEnv, uniqueName } from '../support/sandbox.js';
import { startTestWorker, type TestWorker } from '../support/temporal.js';
import { holdActivities } from '../support/gates.js';
import { stringify } from 'yaml';

const RUNS_API = 'orchestration.proompteng.ai/v1alpha1';
const ready = (s: RunView) => s.conditions?.find((c) => c.type === 'Ready');

async function statusIn(ns: string, name: string): Promise<RunView> {
  const got = await kubectl(['get', 'orchrun', name, '-n', ns, '-o', 'json']);
  if (got.code !== 0) throw new Error(`kubectl get orchrun ${name}: ${got.stderr}`);
  const obj = JSON.parse(got.stdout) as { status?: RunView; metadata: { uid: string } };
  return { ...obj.status, uid: obj.metadata.uid };
}

/** Waits until every named run satisfies `test`, reading them as a user would. */
async function untilAll(ns: string, names: string[], what: string, test: (s: RunView, name: string) => boolean, timeoutMs = 60_000): Promise<Map<string, RunView>> {
  return waitFor(
    async () => {
      const views = new Map<string, RunView>();
      for (const name of names) views.set(name, await statusIn(ns, name));
      return [...views].every(([name, s]) => test(s, name)) ? views : undefined;
    },
    { what, timeoutMs },
  );
}

const isQueued = (s: RunView) => s.phase === 'Pending' && ready(s)?.reason === 'Queued' && s.queue !== undefined;
const isRunning = (s: RunView) => s.phase === 'Running' && s.temporal !== undefined;

describe('an Orchestration with concurrency.max', () => {
  const gates = holdActivities();
  let h: BridgeHarness;
  beforeAll(async () => {
    h = await startBridgeHarness('concurrency', { worker: { stepActivities: gates.stepActivities }, settings: { concurrency: { namespace: 3 } } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('runs two at a time, queues the rest in order with their place shown, and starts them first-in first-out, priority first', async () => {
    const orch = uniqueName('nightly');
    expect((await h.apply('Orchestration', orch, { concurrency: { max: 2 }, steps: [{ name: 'work', activity: { name: 'hold', input: { id: '{{params.id}}' } } }] })).code).toBe(0);
    const names = [1, 2, 3, 4, 5].map((i) => `${orch}-${i}`);
    for (const name of names) expect((await h.apply('OrchestrationRun', name, { orchestrationRef: { name: orch }, parameters: { id: name } })).code).toBe(0);

    const first = await untilAll(h.ns, names, 'two running, three queued', (s, name) => (names.indexOf(name) < 2 ? isRunning(s) : isQueued(s)));
    for (const [i, name] of names.slice(2).entries()) {
      const s = first.get(name)!;
      expect(s.queue).toMatchObject({ position: i + 1, heldBy: `Orchestration ${orch} concurrency.max=2` });
      expect(ready(s)?.message).toContain(`waiting for Orchestration ${orch} concurrency.max=2 (2 running)`);
      expect(s.temporal).toBeUndefined(); // no workflow exists for a queued run
    }
    // kubectl get shows the place.
    const table = await kubectl(['get', 'orchrun', '-n', h.ns, names[2]!, names[4]!]);
    expect(table.stdout).toMatch(/QUEUED/);
    expect(table.stdout).toMatch(new RegExp(`${names[2]}\\s+Pending\\s+\\S*\\s*1\\s`));
    expect(table.stdout).toMatch(new RegExp(`${names[4]}\\s+Pending\\s+\\S*\\s*3\\s`));
    expect((await h.events(names[2]!)).map((e) => e.reason)).toContain('Queued');

    // A later run with a higher priority goes to the head of the queue.
    const urgent = `${orch}-urgent`;
    expect((await h.apply('OrchestrationRun', urgent, { orchestrationRef: { name: orch }, parameters: { id: urgent }, priority: 10 })).code).toBe(0);
    await untilAll(h.ns, [urgent], 'urgent queued first', (s) => isQueued(s) && s.queue?.position === 1);

    // Each slot freed starts the head of the queue.
    gates.release(names[0]!);
    await untilAll(h.ns, [urgent], 'urgent running', isRunning);
    gates.release(names[1]!);
    await untilAll(h.ns, [names[2]!], 'the first queued running', isRunning);
    // One slot at a time, so that the order the steps start in is the queue's.
    gates.release(urgent);
    await untilAll(h.ns, [names[3]!], 'the second queued running', isRunning);
    gates.release(names[2]!);
    await untilAll(h.ns, [names[4]!], 'the last queued running', isRunning);
    for (const name of names.slice(3)) gates.release(name);
    const done = await untilAll(h.ns, [...names, urgent], 'all Succeeded', (s) => s.phase === 'Succeeded', 90_000);
    expect([...done.values()].every((s) => s.queue === undefined && ready(s)?.reason === 'WorkflowStarted')).toBe(true);
    expect(gates.seen.order.slice(2)).toEqual([urgent, names[2], names[3], names[4]]);
    expect(gates.seen.most).toBe(2);
  });

  it('holds inline runs by the namespace limit; a queued run cancelled or deleted leaves the queue without a workflow', async () => {
    const base = uniqueName('ns-limit');
    const names = [1, 2, 3, 4, 5, 6].map((i) => `${base}-${i}`);
    const before = gates.seen.order.length;
    for (const name of names) expect((await h.apply('OrchestrationRun', name, { steps: [{ name: 'work', activity: { name: 'hold', input: { id: name } } }] })).code).toBe(0);
    const views = await untilAll(h.ns, names, 'three running, three queued by the namespace', (s, name) => (names.indexOf(name) < 3 ? isRunning(s) : isQueued(s)));
    expect(views.get(names[3]!)!.queue).toMatchObject({ position: 1, heldBy: `namespace ${h.ns} JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_NAMESPACE=3` });

    // Cancel the first queued one, delete the second: neither ever gets a workflow, and the third is next.
    expect((await kubectl(['patch', 'orchrun', names[3]!, '-n', h.ns, '--type=merge', '-p', '{"spec":{"cancel":true}}'])).code).toBe(0);
    expect((await kubectl(['delete', 'orchrun', names[4]!, '-n', h.ns, '--wait=true', '--timeout=30s'])).code).toBe(0);
    const cancelled = await h.phaseOf(names[3]!, 'Cancelled');
    expect(cancelled.temporal).toBeUndefined();
    expect(cancelled.cancelledBy).toBe('spec:kubectl-patch');
    gates.release(names[0]!);
    await untilAll(h.ns, [names[5]!], 'the last run started', isRunning);
    for (const name of names) gates.release(name);
    await untilAll(h.ns, [names[0]!, names[1]!, names[2]!, names[5]!], 'all Succeeded', (s) => s.phase === 'Succeeded', 90_000);
    expect(gates.seen.order.slice(before)).toEqual(expect.arrayContaining([names[0], names[1], names[2], names[5]]));
    expect(gates.seen.order.slice(before)).not.toContain(names[3]);
    expect(gates.seen.order.slice(before)).not.toContain(names[4]);
    expect(gates.seen.most).toBeLessThanOrEqual(3);
  });

  it('admits a burst of runs applied at once, never more than the limit, however the reconciles interleave', { timeout: 180_000 }, async () => {
    const base = uniqueName('burst');
    const names = Array.from({ length: 12 }, (_, i) => `${base}-${String(i).padStart(2, '0')}`);
    const before = gates.seen.order.length;
    const list = { apiVersion: 'v1', kind: 'List', items: names.map((name) => ({ apiVersion: RUNS_API, kind: 'OrchestrationRun', metadata: { name }, spec: { steps: [{ name: 'work', activity: { name: 'hold', input: { id: name } } }] } })) };
    expect((await kubectl(['apply', '-n', h.ns, '-f', '-'], stringify(list))).code).toBe(0);
    const views = await untilAll(h.ns, names, 'each running or queued', (s) => isRunning(s) || isQueued(s));
    expect([...views.values()].filter(isRunning).length).toBeLessThanOrEqual(3);
    // Released together: the slots free in bursts, and 16 reconcile workers admit the next runs side by side.
    for (const name of names) gates.release(name);
    await untilAll(h.ns, names, 'all Succeeded', (s) => s.phase === 'Succeeded', 120_000);
    expect(gates.seen.order.length - before).toBe(12);
    expect(gates.seen.most).toBeLessThanOrEqual(3);
  });
});

describe('a namespace whose queue a ResourceQuota bounds', () => {
  it('refuses the run over the quota at create time, naming the quota', { timeout: 180_000 }, async () => {
    await installCrds(sandboxEnv().KUBECONFIG);
    const ns = await createNamespace('queuequota');
    const quota = await kubectl(['create', 'quota', 'runs', '-n', ns, '--hard=count/orchestrationruns.orchestration.proompteng.ai=2']);
    expect(quota.code, quota.stderr).toBe(0);
    // The quota controller computes the quota's status first; admission counts against it from then on.
    await waitFor(async () => ((await kubectl(['get', 'quota', 'runs', '-n', ns, '-o', 'jsonpath={.status.used}'])).stdout.includes('orchestrationruns') ? true : undefined), {
      what: `quota ${ns}/runs computed`,
      timeoutMs: 120_000,
    });
    const create = (name: string) => kubectl(['create', '-n', ns, '-f', '-'], stringify({ apiVersion: RUNS_API, kind: 'OrchestrationRun', metadata: { name }, spec: { steps: [{ name: 'a', activity: { name: 'sleep', input: { seconds: 0 } } }] } }));
    for (const name of ['r1', 'r2']) {
      const created = await create(name);
      expect(created.code, created.stderr).toBe(0);
    }
    const refused = await create('r3');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/exceeded quota: runs/);
  });
});

describe('a bridge SIGKILLed while runs are queued', () => {
  const gates = holdActivities();
  let tw: TestWorker;
  let ns: string;
  let bridge: ManagedProcess | undefined;
  const leaseName = uniqueName('queue-lease');
  beforeAll(async () => {
    await installCrds(sandboxEnv().KUBECONFIG);
    ns = await createNamespace('queuekill');
    tw = await startTestWorker({ stepActivities: gates.stepActivities });
  });
  afterAll(async () => {
    await bridge?.stop(5000);
    await tw?.stop();
  });

  it('loses no place and never runs more than the limit: the queue is read back from the runs', { timeout: 300_000 }, async () => {
    const names = [1, 2, 3, 4, 5, 6].map((i) => `q-${i}`);
    for (const name of names) {
      const doc = stringify({ apiVersion: RUNS_API, kind: 'OrchestrationRun', metadata: { name }, spec: { steps: [{ name: 'work', activity: { name: 'hold', input: { id: name } } }] } });
      expect((await kubectl(['apply', '-n', ns, '-f', '-'], doc)).code).toBe(0);
    }
    // A leader recorded q-4 as Starting and died before it started q-4's workflow: q-4 holds its slot.
    const starting = { status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'Starting', message: 'admitted', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } };
    expect((await kubectl(['patch', 'orchrun', 'q-4', '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify(starting)])).code).toBe(0);

    const start = () => startBridgeProcess({ taskQueue: tw.taskQueue, namespace: ns, leaseName, env: { JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_NAMESPACE: '2' } });
    bridge = await start();
    const queuedIn = (order: string[]) => (s: RunView, name: string) => isQueued(s) && s.queue?.position === order.indexOf(name) + 1;
    const first = ['q-2', 'q-3', 'q-5', 'q-6'];
    await untilAll(ns, names, 'q-1 and q-4 running, the rest queued in order', (s, name) => (['q-1', 'q-4'].includes(name) ? isRunning(s) : queuedIn(first)(s, name)), 90_000);

    // Killed while a slot frees: the new leader must neither lose q-2's turn nor start two in its place.
    gates.release('q-1');
    process.kill(bridge.pid!, 'SIGKILL');
    bridge = await start();
    const then = ['q-3', 'q-5', 'q-6'];
    await untilAll(ns, ['q-2', ...then], 'q-2 running after the restart, the rest queued in order', (s, name) => (name === 'q-2' ? isRunning(s) : queuedIn(then)(s, name)), 90_000);

    process.kill(bridge.pid!, 'SIGKILL');
    bridge = await start();
    // One slot at a time from here, so that the order the steps start in is the queue's.
    for (const [freed, next] of [['q-4', 'q-3'], ['q-2', 'q-5'], ['q-3', 'q-6']] as const) {
      gates.release(freed);
      await untilAll(ns, [next], `${next} running`, isRunning, 90_000);
    }
    for (const name of ['q-5', 'q-6']) gates.release(name);
    await untilAll(ns, names, 'all Succeeded', (s) => s.phase === 'Succeeded', 120_000);
    expect(gates.seen.order.slice(2)).toEqual(['q-2', 'q-3', 'q-5', 'q-6']);
    expect(gates.seen.order.slice(0, 2).sort()).toEqual(['q-1', 'q-4']);
    expect(gates.seen.most).toBeLessThanOrEqual(2);
    // One workflow per run, whatever the kills did (visibility lags: wait for all six, then count).
    const ids = await waitFor(
      async () => {
        const found: string[] = [];
        for await (const wf of tw.client.workflow.list({ query: `OrchestrationRunNamespace = "${ns}"` })) found.push(wf.workflowId);
        return found.length >= 6 ? found : undefined;
      },
      { what: 'six workflows listed', timeoutMs: 30_000 },
    );
    expect(ids.length).toBe(6);
    expect(new Set(ids).size).toBe(6);
  });
});
