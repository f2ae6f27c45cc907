// finally steps run after the DAG however it ends — Succeeded, Failed, each cancel entry point, the deadline —
// and read how it ended; activeDeadlineSeconds stops the DAG and fails the run with DeadlineExceeded.
import { BatchV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobSelector, type Step } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness, type RunView } from '../support/bridge-harness.js';
import { watchRuns } from '../support/run-watch.js';
import { kubeConfig, kubectl, temporalCli, uniqueName } from '../support/sandbox.js';

/** What each finally step saw, by the id in its input: recorded when the step ends, not when it starts. */
const seen = new Map<string, Record<string, unknown>>();

const stepActivities = {
  /** Records its input after a moment: a run that says it ended before this finished would be caught. */
  async record(input: unknown) {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const fields = input as Record<string, unknown>;
    seen.set(String(fields.id), fields);
    return `recorded ${String(fields.id)}`;
  },
  emit(input: unknown) {
    return Promise.resolve((input as { text: string }).text);
  },
};

const sleep = (seconds: number) => ({ activity: { name: 'sleep', input: { seconds } } });
const forever = (name: string): Step => ({ name, dependsOn: [], job: { image: 'busybox', env: [{ name: 'KWOK_RUN_FOREVER', value: 'true' }] } });
/** A finally step that records the run's phase and the phase of `step`. */
const recordFinally = (id: string, step: string): Step => ({
  name: 'report',
  activity: { name: 'record', input: { id, run: '{{run.phase}}', step: `{{steps.${step}.phase}}` } },
});

let h: BridgeHarness;
let watch: Awaited<ReturnType<typeof watchRuns>>;

beforeAll(async () => {
  h = await startBridgeHarness('finally', { worker: { stepActivities } });
  watch = await watchRuns(h.ns);
});
afterAll(async () => {
  watch?.stop();
  await h?.stop();
});

async function running(name: string): Promise<RunView> {
  return waitFor(
    async () => {
      const s = await h.status(name);
      return s.phase === 'Running' && s.temporal && s.steps?.some((step) => step.phase === 'Running') ? s : undefined;
    },
    { what: `run ${name} running a step`, timeoutMs: 60_000 },
  );
}

const seenBy = (id: string) => waitFor(() => seen.get(id), { what: `finally step of ${id} ran`, timeoutMs: 60_000 });

async function workflowClosedAs(workflowId: string): Promise<string> {
  return waitFor(
    async () => {
      const out = await temporalCli(['workflow', 'describe', '--workflow-id', workflowId, '--output', 'json']);
      const status = (JSON.parse(out.stdout) as { workflowExecutionInfo: { status: string } }).workflowExecutionInfo.status;
      return status === 'WORKFLOW_EXECUTION_STATUS_RUNNING' ? undefined : status;
    },
    { what: `workflow ${workflowId} closed`, timeoutMs: 30_000 },
  );
}

const entries = (s: RunView) => (s.steps ?? []).map((step) => [step.name, step.phase, step.reason ?? '', step.finally ?? false]);

describe('finally steps', () => {
  it('run after a Succeeded DAG, in their own order, reading phases and outputs; shown marked finally', async () => {
    const name = uniqueName('ok');
    await h.apply('OrchestrationRun', name, {
      steps: [{ name: 'build', activity: { name: 'emit', input: { text: 'image:42' } } }],
      finally: [
        { name: 'report', activity: { name: 'record', input: { id: name, run: '{{run.phase}}', step: '{{steps.build.phase}}', out: '{{steps.build.output}}' } } },
        { name: 'after', activity: { name: 'emit', input: { text: 'saw {{steps.report.output}}' } } },
      ],
    });
    const done = await h.phaseOf(name, 'Succeeded');
    expect(seen.get(name)).toMatchObject({ run: 'Succeeded', step: 'Succeeded', out: 'image:42' });
    expect(entries(done)).toEqual([
      ['build', 'Succeeded', '', false],
      ['report', 'Succeeded', '', true],
      ['after', 'Succeeded', '', true],
    ]);
    // The list runs in order (no dependsOn declared): `after` read the output of `report`.
    expect(done.steps?.find((s) => s.name === 'after')?.output).toBe(`saw recorded ${name}`);
    expect(done.progress).toBe('3/3');
    expect(done.stepCounts).toMatchObject({ total: 3, succeeded: 3 });
  });

  it('a failed finally step turns a Succeeded run Failed/FinallyFailed; on a Failed run it changes nothing', async () => {
    const okName = uniqueName('finfail');
    await h.apply('OrchestrationRun', okName, {
      steps: [{ name: 'build', ...sleep(0) }],
      finally: [{ name: 'notify', activity: { name: 'fail', input: { message: 'webhook down' } } }],
    });
    const failed = await h.phaseOf(okName, 'Failed');
    expect(failed.conditions).toContainEqual(expect.objectContaining({ type: 'Succeeded', status: 'False', reason: 'FinallyFailed' }));
    expect(failed.message).toContain('finally step "notify" failed');
    expect(failed.message).toContain('webhook down');
    expect(entries(failed)).toEqual([
      ['build', 'Succeeded', '', false],
      ['notify', 'Failed', expect.any(String), true],
    ]);
    expect(await workflowClosedAs(failed.temporal!.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_FAILED');
    expect((await h.events(okName)).map((e) => e.reason)).toContain('FinallyFailed');

    const badName = uniqueName('dagfail');
    await h.apply('OrchestrationRun', badName, {
      steps: [
        { name: 'test', activity: { name: 'fail', input: { message: 'red' } } },
        { name: 'publish', ...sleep(0) },
      ],
      finally: [recordFinally(badName, 'test')],
    });
    const bad = await h.phaseOf(badName, 'Failed');
    expect(bad.conditions).toContainEqual(expect.objectContaining({ type: 'Succeeded', status: 'False', reason: 'Failed' }));
    expect(seen.get(badName)).toMatchObject({ run: 'Failed', step: 'Failed' });
    expect(entries(bad)).toEqual([
      ['test', 'Failed', expect.any(String), false],
      ['publish', 'Skipped', 'DependencyFailed', false],
      ['report', 'Succeeded', '', true],
    ]);
  });

  // Each entry point cancels the workflow; the finally step runs shielded and the run says Cancelled only after it.
  const cancelCases: { entry: string; reason: string; act: (name: string, run: RunView, template: string) => Promise<unknown> }[] = [
    { entry: 'spec.cancel', reason: 'SpecCancel', act: (name) => kubectl(['patch', 'orchrun', name, '-n', h.ns, '--type=merge', '-p', '{"spec":{"cancel":true}}']) },
    { entry: 'temporal workflow cancel', reason: 'TemporalCancel', act: (_, run) => temporalCli(['workflow', 'cancel', '--workflow-id', run.temporal!.workflowId]) },
    {
      entry: 'retrigger',
      reason: 'Retrigger',
      act: (name, _, template) => h.apply('OrchestrationRun', `${name}-next`, { orchestrationRef: { name: template }, triggerKey: name }),
    },
    { entry: 'source removed', reason: 'SourceRemoved', act: (_, __, template) => kubectl(['delete', 'orchestrations', template, '-n', h.ns]) },
  ];
  for (const { entry, reason, act } of cancelCases) {
    it(`run on ${entry}, with the run's phase Cancelled, before the run says Cancelled`, async () => {
      const name = uniqueName('cx');
      const template = `${name}-t`;
      await h.apply('Orchestration', template, {
        cancellationPolicy: { onRetrigger: 'Cancel', onSourceRemoved: 'Cancel' },
        steps: [{ name: 'wait', ...sleep(600) }, forever('job'), { name: 'later', dependsOn: ['wait'], ...sleep(0) }].map((s) => ({ dependsOn: [], ...s })),
        finally: [recordFinally(name, 'wait')],
      });
      await h.apply('OrchestrationRun', name, { orchestrationRef: { name: template }, triggerKey: name });
      const run = await running(name);
      await act(name, run, template);
      const done = await h.phaseOf(name, 'Cancelled');
      // The finally step had ended (it records as it ends) when the run first said Cancelled.
      expect(seen.get(name)).toMatchObject({ run: 'Cancelled', step: 'Cancelled' });
      expect(watch.cancelledTooEarly(name)).toEqual([]);
      expect(done.conditions).toContainEqual(expect.objectContaining({ type: 'Cancelled', status: 'True', reason }));
      expect(entries(done)).toEqual([
        ['wait', 'Cancelled', '', false],
        ['job', 'Cancelled', '', false],
        ['later', 'Cancelled', '', false],
        ['report', 'Succeeded', '', true],
      ]);
      expect(await workflowClosedAs(done.temporal!.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_CANCELED');
    });
  }

  it('run when the run is deleted: the workflow cancels, runs them, and closes Canceled', async () => {
    const name = uniqueName('del');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'wait', ...sleep(600) }], finally: [recordFinally(name, 'wait')] });
    const run = await running(name);
    expect((await kubectl(['delete', 'orchrun', name, '-n', h.ns, '--wait=false'])).code).toBe(0);
    expect(await seenBy(name)).toMatchObject({ run: 'Cancelled', step: 'Cancelled' });
    expect(await workflowClosedAs(run.temporal!.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_CANCELED');
    await waitFor(async () => ((await kubectl(['get', 'orchrun', name, '-n', h.ns])).code !== 0 ? true : undefined), { what: `run ${name} gone`, timeoutMs: 60_000 });
  });
});

describe('activeDeadlineSeconds', () => {
  it('stops running steps (Jobs deleted), skips unstarted ones, runs finally steps and fails the run DeadlineExceeded', async () => {
    const name = uniqueName('deadline');
    await h.apply('OrchestrationRun', name, {
      activeDeadlineSeconds: 8,
      cancellationPolicy: { gracePeriodSeconds: 1 },
      steps: [
        { name: 'wait', dependsOn: [], ...sleep(600) },
        forever('job'),
        { name: 'later', dependsOn: ['wait'], ...sleep(0) },
      ],
      finally: [recordFinally(name, 'wait')],
    });
    const done = await h.phaseOf(name, 'Failed', 90_000);
    expect(done.conditions).toContainEqual(expect.objectContaining({ type: 'Succeeded', status: 'False', reason: 'DeadlineExceeded' }));
    expect(done.message).toContain('activeDeadlineSeconds: 8');
    expect(entries(done)).toEqual([
      ['wait', 'Cancelled', 'DeadlineExceeded', false],
      ['job', 'Cancelled', 'DeadlineExceeded', false],
      ['later', 'Skipped', 'DeadlineExceeded', false],
      ['report', 'Succeeded', '', true],
    ]);
    expect(seen.get(name)).toMatchObject({ run: 'Failed', step: 'Cancelled' });
    // The whole run took at least its deadline: the start and end times say so.
    expect(Date.parse(done.completionTime!) - Date.parse(done.startTime!)).toBeGreaterThanOrEqual(8000);
    const jobs = await kubeConfig().makeApiClient(BatchV1Api).listNamespacedJob({ namespace: h.ns, labelSelector: runJobSelector({ uid: done.uid }) });
    expect(jobs.items.filter((j) => !j.metadata?.deletionTimestamp)).toEqual([]);
    expect(await workflowClosedAs(done.temporal!.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_FAILED');
    expect((await h.events(name)).map((e) => e.reason)).toContain('DeadlineExceeded');
  });

  it('a run that ends before its deadline is untouched by it', async () => {
    const name = uniqueName('intime');
    await h.apply('OrchestrationRun', name, { activeDeadlineSeconds: 600, steps: [{ name: 'quick', ...sleep(0) }] });
    const done = await h.phaseOf(name, 'Succeeded');
    expect(entries(done)).toEqual([['quick', 'Succeeded', '', false]]);
  });
});
