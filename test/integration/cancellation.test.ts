// Cancellation from every entry point ends in one truthful status: phase Cancelled only after the steps
// stopped, the reason and who asked, the Jobs and Pods gone, and the workflow closed Canceled in Temporal.
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobSelector, type Step } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness, type RunView } from '../support/bridge-harness.js';
import { watchRuns } from '../support/run-watch.js';
import { kubeConfig, kubectl, temporalCli, uniqueName } from '../support/sandbox.js';

const checkpointed = new Set<string>();
/** Test activities that have begun running in the worker, by id: a cancel sent earlier would never reach them. */
const begun = new Set<string>();
let releaseStubborn!: () => void;
const stubbornReleased = new Promise<void>((resolve) => (releaseStubborn = resolve));

/** Test activities: `checkpoint` saves its work for a moment when cancelled; `stubborn` ignores cancellation. */
const stepActivities = {
  async checkpoint(input: unknown) {
    const ctx = Context.current();
    begun.add((input as { id: string }).id);
    await ctx.cancelled.catch(async (err: unknown) => {
      await new Promise((resolve) => setTimeout(resolve, 1000)); // checkpointing
      checkpointed.add((input as { id: string }).id);
      throw err;
    });
  },
  async stubborn(input: unknown) {
    begun.add((input as { id: string }).id);
    await stubbornReleased;
  },
};

const sleep = (seconds: number) => ({ activity: { name: 'sleep', input: { seconds } } });
const forever = (name: string): Step => ({ name, dependsOn: [], job: { image: 'busybox', env: [{ name: 'KWOK_RUN_FOREVER', value: 'true' }] } });

let h: BridgeHarness;
let watch: Awaited<ReturnType<typeof watchRuns>>;
const batch = () => kubeConfig().makeApiClient(BatchV1Api);
const core = () => kubeConfig().makeApiClient(CoreV1Api);

beforeAll(async () => {
  h = await startBridgeHarness('cancel', { worker: { stepActivities } });
  watch = await watchRuns(h.ns);
});
afterAll(async () => {
  releaseStubborn();
  watch?.stop();
  await h?.stop();
});

async function running(harness: BridgeHarness, name: string, jobSteps = 0): Promise<RunView> {
  return waitFor(
    async () => {
      const s = await harness.status(name);
      const jobsRunning = (s.steps ?? []).filter((step) => step.phase === 'Running' && step.jobName).length;
      return s.phase === 'Running' && s.temporal && jobsRunning >= jobSteps ? s : undefined;
    },
    { what: `run ${name} running with ${jobSteps} Job(s)`, timeoutMs: 60_000 },
  );
}

const activityBegun = (id: string) => waitFor(() => (begun.has(id) ? true : undefined), { what: `activity of ${id} running`, timeoutMs: 60_000 });

const patchCancel = (harness: BridgeHarness, name: string) => kubectl(['patch', 'orchrun', name, '-n', harness.ns, '--type=merge', '-p', '{"spec":{"cancel":true}}']);

async function workflowStatus(workflowId: string): Promise<string> {
  const out = await temporalCli(['workflow', 'describe', '--workflow-id', workflowId, '--output', 'json']);
  return (JSON.parse(out.stdout) as { workflowExecutionInfo: { status: string } }).workflowExecutionInfo.status;
}

/**
 * How the workflow closed: the run's final status is the workflow's last write, so the CR can show it a
 * moment before the workflow's close is recorded; waited for (RUNNING until then).
 */
async function workflowClosedAs(workflowId: string): Promise<string> {
  return waitFor(
    async () => {
      const status = await workflowStatus(workflowId);
      return status === 'WORKFLOW_EXECUTION_STATUS_RUNNING' ? undefined : status;
    },
    { what: `workflow ${workflowId} closed`, timeoutMs: 15_000 },
  );
}

async function jobsAndPodsGone(namespace: string, uid: string): Promise<void> {
  await waitFor(
    async () => {
      const jobs = await batch().listNamespacedJob({ namespace, labelSelector: runJobSelector({ uid }) });
      const pods = await core().listNamespacedPod({ namespace, labelSelector: runJobSelector({ uid }) });
      if (jobs.items.length === 0 && pods.items.length === 0) return true;
      const all = await batch().listNamespacedJob({ namespace });
      const left = [...jobs.items, ...pods.items].map(
        (o) =>
          `${o.metadata?.name} deleting=${Boolean(o.metadata?.deletionTimestamp)} finalizers=${o.metadata?.finalizers?.join(',') ?? ''} owner=${o.metadata?.ownerReferences?.[0]?.uid} created=${String(o.metadata?.creationTimestamp)} phase=${(o as { status?: { phase?: string } }).status?.phase}`,
      );
      left.push(`jobs in ns: ${all.items.map((j) => `${j.metadata?.name}/${j.metadata?.uid}`).join(',')}`);
      throw new Error(`left: ${left.join('; ')}`);
    },
    { what: `Jobs and Pods of run ${uid} gone`, timeoutMs: 30_000 },
  );
}

describe('cancellation through the bridge', () => {
  it('spec.cancel stops activity and Job steps, then ends Cancelled/SpecCancel, never before the steps stopped', async () => {
    const name = uniqueName('spec');
    await h.apply('OrchestrationRun', name, {
      steps: [{ name: 'wait', dependsOn: [], ...sleep(600) }, forever('job'), { name: 'later', dependsOn: ['wait'], ...sleep(0) }],
    });
    const before = await running(h, name, 1);
    expect((await patchCancel(h, name)).code).toBe(0);
    const done = await h.phaseOf(name, 'Cancelled');
    expect(done.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'True', reason: 'SpecCancel' }));
    expect(done.cancelledBy).toBe('spec:kubectl-patch');
    expect(done.completionTime).toBeDefined();
    expect(done.message).toContain('spec:kubectl-patch');
    expect(done.steps?.map((s) => [s.name, s.phase])).toEqual([['wait', 'Cancelled'], ['job', 'Cancelled'], ['later', 'Cancelled']]);
    await jobsAndPodsGone(h.ns, before.uid);
    expect(await workflowClosedAs(before.temporal!.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_CANCELED');
    expect(watch.cancelledTooEarly(name)).toEqual([]);
    const reasons = (await h.events(name)).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['CancelRequested', 'SpecCancel']));
    expect((await h.metrics.runsCompleted.get()).values).toContainEqual(expect.objectContaining({ labels: { phase: 'Cancelled' } }));
  });

  it('gives steps the grace period to checkpoint before the run says Cancelled', async () => {
    const name = uniqueName('grace');
    await h.apply('OrchestrationRun', name, { cancellationPolicy: { gracePeriodSeconds: 20 }, steps: [{ name: 'work', activity: { name: 'checkpoint', input: { id: name } } }] });
    await activityBegun(name);
    await patchCancel(h, name);
    await h.phaseOf(name, 'Cancelled');
    // The step saved its work before it ended, and the run said Cancelled only after that.
    expect(checkpointed.has(name)).toBe(true);
    expect(watch.cancelledTooEarly(name)).toEqual([]);
  });

  it('spec.cancel on a finished run changes nothing but says AlreadyTerminal', async () => {
    const name = uniqueName('done');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'a', ...sleep(0) }] });
    await h.phaseOf(name, 'Succeeded');
    await patchCancel(h, name);
    const after = await waitFor(
      async () => {
        const s = await h.status(name);
        return s.conditions?.some((c) => c.type === 'Cancelled') ? s : undefined;
      },
      { what: 'Cancelled condition', timeoutMs: 20_000 },
    );
    expect(after.phase).toBe('Succeeded');
    expect(after.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'False', reason: 'AlreadyTerminal' }));
    expect(after.cancelledBy).toBeUndefined();
  });

  it('temporal workflow cancel ends the run Cancelled/TemporalCancel, naming the identity from the history', async () => {
    const name = uniqueName('tcancel');
    await h.apply('OrchestrationRun', name, { steps: [forever('job')] });
    const before = await running(h, name, 1);
    expect((await temporalCli(['workflow', 'cancel', '--workflow-id', before.temporal!.workflowId])).code).toBe(0);
    // The workflow writes phase Cancelled once its steps stopped; the bridge then adds who asked, from the history.
    const done = await waitFor(
      async () => {
        const s = await h.status(name);
        return s.phase === 'Cancelled' && s.cancelledBy ? s : undefined;
      },
      { what: `run ${name} Cancelled with cancelledBy`, timeoutMs: 60_000 },
    );
    expect(done.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'True', reason: 'TemporalCancel' }));
    expect(done.cancelledBy).toMatch(/^temporal:temporal-cli/);
    expect(done.steps?.map((s) => s.phase)).toEqual(['Cancelled']);
    await jobsAndPodsGone(h.ns, before.uid);
    expect(await workflowClosedAs(before.temporal!.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_CANCELED');
    expect(watch.cancelledTooEarly(name)).toEqual([]);
  });

  it('temporal workflow terminate runs no workflow code: the bridge deletes the Jobs and the run is Failed/WorkflowTerminated', async () => {
    const name = uniqueName('term');
    await h.apply('OrchestrationRun', name, { steps: [forever('job')] });
    const before = await running(h, name, 1);
    expect((await temporalCli(['workflow', 'terminate', '--workflow-id', before.temporal!.workflowId, '--reason', 'stop now'])).code).toBe(0);
    const failed = await h.phaseOf(name, 'Failed');
    expect(failed.conditions).toContainEqual(expect.objectContaining({ type: 'Succeeded', status: 'False', reason: 'WorkflowTerminated' }));
    await jobsAndPodsGone(h.ns, before.uid);
  });

  it('kubectl delete cancels the workflow, waits for it, deletes the Jobs and releases the run', async () => {
    const name = uniqueName('del');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'wait', dependsOn: [], ...sleep(600) }, forever('job')] });
    const before = await running(h, name, 1);
    expect((await kubectl(['delete', 'orchrun', name, '-n', h.ns, '--wait=false'])).code).toBe(0);
    await waitFor(async () => ((await kubectl(['get', 'orchrun', name, '-n', h.ns])).code !== 0 ? true : undefined), { what: `run ${name} gone`, timeoutMs: 60_000 });
    await jobsAndPodsGone(h.ns, before.uid);
    expect(await workflowClosedAs(before.temporal!.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_CANCELED');
  });

  it('onRetrigger: Cancel — a new run with the same triggerKey cancels the older active one before it starts', async () => {
    const template = uniqueName('nightly');
    await h.apply('Orchestration', template, { cancellationPolicy: { onRetrigger: 'Cancel' }, steps: [{ name: 'wait', ...sleep(600) }] });
    const older = uniqueName('older');
    const newer = uniqueName('newer');
    const other = uniqueName('otherkey');
    await h.apply('OrchestrationRun', older, { orchestrationRef: { name: template }, triggerKey: 'pr-1' });
    await h.apply('OrchestrationRun', other, { orchestrationRef: { name: template }, triggerKey: 'pr-2' });
    await running(h, older);
    await running(h, other);
    await h.apply('OrchestrationRun', newer, { orchestrationRef: { name: template }, triggerKey: 'pr-1' });
    const cancelled = await h.phaseOf(older, 'Cancelled');
    expect(cancelled.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'True', reason: 'Retrigger' }));
    expect(cancelled.cancelledBy).toBe(`retrigger:${newer}`);
    expect(await workflowClosedAs(cancelled.temporal!.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_CANCELED');
    await running(h, newer);
    expect((await h.status(other)).phase).toBe('Running');
    expect(watch.cancelledTooEarly(older)).toEqual([]);
  });

  it('onSourceRemoved: Cancel — deleting the Orchestration cancels its active runs', async () => {
    const template = uniqueName('source');
    await h.apply('Orchestration', template, { cancellationPolicy: { onSourceRemoved: 'Cancel' }, steps: [{ name: 'wait', ...sleep(600) }] });
    const name = uniqueName('fromsource');
    await h.apply('OrchestrationRun', name, { orchestrationRef: { name: template } });
    await running(h, name);
    const deleted = await kubectl(['delete', 'orchestrations', template, '-n', h.ns]);
    expect(deleted.stderr).toBe('');
    const cancelled = await h.phaseOf(name, 'Cancelled');
    expect(cancelled.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'True', reason: 'SourceRemoved' }));
    expect(cancelled.cancelledBy).toBe(`source-removed:${template}`);
    expect(await workflowClosedAs(cancelled.temporal!.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_CANCELED');
    expect(watch.cancelledTooEarly(name)).toEqual([]);
  });
});

describe('cancellation with other bridge settings', () => {
  it('JANGAR_ORCHESTRATION_CANCEL_TIMEOUT_MS: a cancel the steps ignore is forced, Cancelled/CancelTimeout', async () => {
    const forced = await startBridgeHarness('cancel-timeout', { worker: { stepActivities }, settings: { cancelTimeoutMs: 3000 } });
    try {
      const name = uniqueName('stubborn');
      await forced.apply('OrchestrationRun', name, {
        cancellationPolicy: { gracePeriodSeconds: 600 },
        steps: [{ name: 'ignore', dependsOn: [], activity: { name: 'stubborn', input: { id: name } } }, forever('job')],
      });
      const before = await running(forced, name, 1);
      await activityBegun(name);
      await patchCancel(forced, name);
      const done = await forced.phaseOf(name, 'Cancelled');
      expect(done.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'True', reason: 'CancelTimeout' }));
      expect(done.message).toContain('cancel forced');
      expect(done.cancelledBy).toBe('spec:kubectl-patch');
      expect(done.steps?.map((s) => s.phase)).toEqual(['Cancelled', 'Cancelled']);
      await jobsAndPodsGone(forced.ns, before.uid);
      expect(await workflowClosedAs(before.temporal!.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_TERMINATED');
      expect((await forced.metrics.cancelsForced.get()).values[0]?.value).toBe(1);
    } finally {
      releaseStubborn(); // the worker's shutdown waits for its activities
      await forced.stop();
    }
  });

  it('JANGAR_ORCHESTRATION_CANCEL_ENABLED=false ignores spec.cancel with Cancelled=False/CancelDisabled', async () => {
    const off = await startBridgeHarness('cancel-off', { settings: { cancelEnabled: false } });
    try {
      const name = uniqueName('nocancel');
      await off.apply('OrchestrationRun', name, { steps: [{ name: 'a', ...sleep(600) }] });
      await waitFor(async () => ((await off.status(name)).steps?.[0]?.phase === 'Running' ? true : undefined), { what: `step of ${name} Running`, timeoutMs: 60_000 });
      await patchCancel(off, name);
      const ignored = await waitFor(
        async () => {
          const s = await off.status(name);
          return s.conditions?.some((c) => c.type === 'Cancelled') ? s : undefined;
        },
        { what: `run ${name} with a Cancelled condition`, timeoutMs: 30_000 },
      );
      expect(ignored.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'False', reason: 'CancelDisabled' }));
      // Nothing was cancelled: the run and its step go on.
      expect(ignored.phase).toBe('Running');
      expect(ignored.steps?.map((s) => s.phase)).toEqual(['Running']);
      expect(await workflowStatus(ignored.temporal!.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
    } finally {
      await off.stop();
    }
  });
});
