// spec.resumeFrom through the bridge: the steps that Succeeded (unchanged) are reused with their full outputs
// from Temporal and not run again; the rest run; rerun forces steps; each way it cannot work is a clear error.
import { BatchV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobSelector } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness, type RunView } from '../support/bridge-harness.js';
import { kubeConfig, temporalCli, uniqueName } from '../support/sandbox.js';

/** Calls of the test activities, by the id in their input. */
const calls = new Map<string, number>();
const count = (id: string) => {
  const n = (calls.get(id) ?? 0) + 1;
  calls.set(id, n);
  return n;
};

const stepActivities = {
  /** Returns a long output: the CR keeps 1,024 characters of it, Temporal all. */
  produce(input: unknown) {
    count((input as { id: string }).id);
    return Promise.resolve('x'.repeat(3000));
  },
  /** Fails on its first call for an id, succeeds after. */
  flaky(input: unknown) {
    const n = count((input as { id: string }).id);
    return n === 1 ? Promise.reject(new Error('first call fails')) : Promise.resolve(`call ${n}`);
  },
  /** The length of what it was given. */
  measure(input: unknown) {
    count((input as { id: string }).id);
    return Promise.resolve(String((input as { text: string }).text.length));
  },
};

let h: BridgeHarness;
beforeAll(async () => {
  h = await startBridgeHarness('resume', { worker: { stepActivities } });
});
afterAll(async () => {
  await h?.stop();
});

const entries = (s: RunView) => (s.steps ?? []).map((e) => [e.name, e.phase, e.reused ?? false]);
const step = (s: RunView, name: string) => s.steps?.find((e) => e.name === name);

describe('resumeFrom', () => {
  it('reuses what Succeeded with its full output from Temporal, runs the rest, and links both runs', async () => {
    const id = uniqueName('ids');
    const first = uniqueName('first');
    await h.apply('OrchestrationRun', first, {
      steps: [
        { name: 'produce', activity: { name: 'produce', input: { id: `${id}-produce` } } },
        { name: 'flaky', activity: { name: 'flaky', input: { id: `${id}-flaky` } } },
        { name: 'measure', activity: { name: 'measure', input: { id: `${id}-measure`, text: '{{steps.produce.output}}' } } },
      ],
    });
    const failed = await h.phaseOf(first, 'Failed');
    expect(entries(failed)).toEqual([
      ['produce', 'Succeeded', false],
      ['flaky', 'Failed', false],
      ['measure', 'Skipped', false],
    ]);
    expect(step(failed, 'produce')!.output!.length).toBeLessThan(3000); // the CR's copy is cut

    const second = uniqueName('second');
    await h.apply('OrchestrationRun', second, { resumeFrom: { name: first } });
    const done = await h.phaseOf(second, 'Succeeded');
    expect(entries(done)).toEqual([
      ['produce', 'Succeeded', true],
      ['flaky', 'Succeeded', false],
      ['measure', 'Succeeded', false],
    ]);
    // produce did not run again; measure read its whole output, which only Temporal had.
    expect(calls.get(`${id}-produce`)).toBe(1);
    expect(step(done, 'measure')?.output).toBe('3000');
    expect(done.resumedFrom).toEqual({ name: first, uid: failed.uid, workflowId: failed.temporal!.workflowId });
    expect((await h.events(second)).find((e) => e.reason === 'Resumed')?.message).toBe(`resumes run ${first}: 1 of 3 steps reused (produce), the rest run`);
    expect((await h.events(first)).find((e) => e.reason === 'ResumedBy')?.message).toBe(`run ${second} resumes this run, reusing 1 of its steps`);

    // rerun forces a step that Succeeded, and its dependents, to run again.
    const third = uniqueName('third');
    await h.apply('OrchestrationRun', third, { resumeFrom: { name: first }, rerun: ['produce'] });
    const again = await h.phaseOf(third, 'Succeeded');
    expect(entries(again)).toEqual([
      ['produce', 'Succeeded', false],
      ['flaky', 'Succeeded', false],
      ['measure', 'Succeeded', false],
    ]);
    expect(calls.get(`${id}-produce`)).toBe(2);
  });

  it('resumes a run whose failed step was a Job: the Job step runs again with its fix, the step before it is not run', async () => {
    const first = uniqueName('jobs');
    const build = { name: 'build', job: { image: 'busybox', env: [{ name: 'KWOK_TERMINATION_MESSAGE', value: 'image:42' }] } };
    const publish = { name: 'publish', dependsOn: ['test'], job: { image: 'busybox', command: ['sh', '-c', 'echo publish {{steps.build.output}}'] } };
    await h.apply('OrchestrationRun', first, {
      steps: [build, { name: 'test', dependsOn: ['build'], job: { image: 'busybox', env: [{ name: 'KWOK_EXIT_CODE', value: '1' }] } }, publish],
    });
    const failed = await h.phaseOf(first, 'Failed');
    expect(entries(failed)).toEqual([
      ['build', 'Succeeded', false],
      ['test', 'Failed', false],
      ['publish', 'Skipped', false],
    ]);
    const second = uniqueName('jobs-fixed');
    await h.apply('OrchestrationRun', second, { resumeFrom: { name: first }, steps: [build, { name: 'test', dependsOn: ['build'], job: { image: 'busybox' } }, publish] });
    const done = await h.phaseOf(second, 'Succeeded', 90_000);
    expect(entries(done)).toEqual([
      ['build', 'Succeeded', true],
      ['test', 'Succeeded', false],
      ['publish', 'Succeeded', false],
    ]);
    expect(step(done, 'build')?.output).toBe('image:42');
    // No Job of the new run for build: it was not run again.
    const jobs = await kubeConfig().makeApiClient(BatchV1Api).listNamespacedJob({ namespace: h.ns, labelSelector: runJobSelector({ uid: done.uid }) });
    expect(jobs.items.map((j) => j.metadata?.labels?.['orchestration.proompteng.ai/step']).sort()).toEqual(['publish', 'test']);
  });

  it('says what is wrong: no such run, one still running, one that Succeeded with nothing to rerun, one whose history is gone', { timeout: 240_000 }, async () => {
    const invalid = async (spec: Record<string, unknown>) => {
      const name = uniqueName('bad');
      await h.apply('OrchestrationRun', name, spec);
      const s = await h.phaseOf(name, 'Failed');
      expect(s.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidSpec' }));
      return s.message;
    };
    expect(await invalid({ resumeFrom: { name: 'no-such-run' } })).toContain(`resumeFrom: no run "no-such-run" in namespace ${h.ns}`);

    const running = uniqueName('running');
    await h.apply('OrchestrationRun', running, { steps: [{ name: 'wait', activity: { name: 'sleep', input: { seconds: 600 } } }] });
    await h.phaseOf(running, 'Running');
    expect(await invalid({ resumeFrom: { name: running } })).toContain(`resumeFrom: run "${running}" has not finished (phase Running)`);

    const ok = uniqueName('ok');
    await h.apply('OrchestrationRun', ok, { steps: [{ name: 'a', activity: { name: 'sleep', input: { seconds: 0 } } }] });
    const succeeded = await h.phaseOf(ok, 'Succeeded');
    expect(await invalid({ resumeFrom: { name: ok } })).toContain(`resumeFrom: run "${ok}" Succeeded and every step would be reused; name the steps to run again in rerun`);
    expect(await invalid({ resumeFrom: { name: ok }, rerun: ['b'] })).toContain('rerun names "b", which is not a step of this run');

    const deleted = await temporalCli(['workflow', 'delete', '--yes', '--workflow-id', succeeded.temporal!.workflowId]);
    expect(deleted.code, deleted.stderr).toBe(0);
    // Deletion in Temporal is asynchronous: the resume is tried once the history is gone.
    await waitFor(async () => ((await temporalCli(['workflow', 'describe', '--workflow-id', succeeded.temporal!.workflowId])).code !== 0 ? true : undefined), {
      what: 'the workflow deleted in Temporal',
      // Temporal deletes in a background task; on a loaded 2-core host that took over 30 s once.
      timeoutMs: 120_000,
    });
    const name = uniqueName('gone');
    await h.apply('OrchestrationRun', name, { resumeFrom: { name: ok }, rerun: ['a'] });
    const gone = await h.phaseOf(name, 'Failed');
    expect(gone.message).toContain(`resumeFrom: the history of run "${ok}" (workflow ${succeeded.temporal!.workflowId}) is gone from Temporal`);
  });
});
