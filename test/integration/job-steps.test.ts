// Job steps on the real sandbox: kube-controller-manager's job and ttl-after-finished controllers run the
// Jobs, KWOK plays the Pods. A step's outcome is recorded from its Pod before the Job can be collected,
// and a Job that disappears first says WorkflowJobMissing, with an Event and a metric, never a hang.
import { BatchV1Api, CustomObjectsApi, type V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobLabels, jobNameFor, runJobSelector, stepJobManifest, type OrchestrationRunStatus, type Step } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { createNamespace, startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { kubeConfig, kubectl, uniqueName } from '../support/sandbox.js';
import { outcome, snapshotOf, startRun, startTestWorker, type TestWorker } from '../support/temporal.js';

let h: BridgeHarness;
let batch: BatchV1Api;

beforeAll(async () => {
  h = await startBridgeHarness('jobs');
  batch = kubeConfig().makeApiClient(BatchV1Api);
});
afterAll(async () => {
  await h?.stop();
});

/** A job step whose KWOK Pod behaves as the env says (see sandbox/kubernetes/kwok-stages.yaml). */
const jobStep = (name: string, env: Record<string, string> = {}, extra: Partial<Step> = {}): Step => ({
  name,
  job: { image: 'busybox', command: ['sh', '-c', 'echo done'], env: Object.entries(env).map(([n, value]) => ({ name: n, value })) },
  ...extra,
});

async function jobsOf(namespace: string, uid: string): Promise<V1Job[]> {
  return (await batch.listNamespacedJob({ namespace, labelSelector: runJobSelector({ uid }) })).items;
}

const missingCount = async (namespace: string, tw: TestWorker = h.tw) =>
  (await tw.metrics.jobMissing.get()).values.find((v) => v.labels.namespace === namespace)?.value ?? 0;

describe('job steps through the bridge', () => {
  it('a job step succeeds: its Job is labelled and owned by the run, and the Pod termination message is the output', async () => {
    const name = uniqueName('ok');
    await h.apply('OrchestrationRun', name, { steps: [jobStep('build', { KWOK_TERMINATION_MESSAGE: 'image sha256:abc' })] });
    const done = await h.phaseOf(name, ['Succeeded', 'Failed']);
    expect(done.phase).toBe('Succeeded');
    const expected = jobNameFor({ name, uid: done.uid }, 'build', 1);
    expect(done.steps).toEqual([expect.objectContaining({ name: 'build', phase: 'Succeeded', jobName: expected, output: 'image sha256:abc' })]);
    const [job, ...others] = await jobsOf(h.ns, done.uid);
    expect(others).toEqual([]);
    expect(job!.metadata!.name).toBe(expected);
    expect(job!.metadata!.labels).toMatchObject(jobLabels({ name, uid: done.uid }, 'build', 1));
    expect(job!.metadata!.ownerReferences).toEqual([expect.objectContaining({ kind: 'OrchestrationRun', name, uid: done.uid, controller: true })]);
    expect(job!.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 600 });
  });

  it('a failing job step fails the run with the Pod reason, exit code and termination message', async () => {
    const name = uniqueName('fail');
    await h.apply('OrchestrationRun', name, { steps: [jobStep('migrate', { KWOK_EXIT_CODE: '3', KWOK_TERMINATION_MESSAGE: 'disk full' })] });
    const failed = await h.phaseOf(name, ['Succeeded', 'Failed']);
    expect(failed.phase).toBe('Failed');
    expect(failed.steps).toEqual([
      expect.objectContaining({
        name: 'migrate',
        phase: 'Failed',
        reason: 'Error',
        message: `Job ${jobNameFor({ name, uid: failed.uid }, 'migrate', 1)} failed: container "step" exited with code 3 (Error)`,
        output: 'disk full',
      }),
    ]);
  });

  it('a retried job step creates one Job per attempt, each named for its attempt', async () => {
    const name = uniqueName('retry');
    await h.apply('OrchestrationRun', name, {
      steps: [jobStep('flaky', { KWOK_EXIT_CODE: '1' }, { retry: { maxAttempts: 3, initialIntervalSeconds: 0.1, backoffCoefficient: 1 } })],
    });
    const failed = await h.phaseOf(name, ['Succeeded', 'Failed']);
    expect(failed.steps).toEqual([expect.objectContaining({ phase: 'Failed', attempts: 3, jobName: jobNameFor({ name, uid: failed.uid }, 'flaky', 3) })]);
    const jobs = await jobsOf(h.ns, failed.uid);
    expect(jobs.map((j) => [j.metadata!.name, j.metadata!.labels!['orchestration.proompteng.ai/attempt']]).sort()).toEqual(
      [1, 2, 3].map((attempt) => [jobNameFor({ name, uid: failed.uid }, 'flaky', attempt), String(attempt)]).sort(),
    );
  });

  it('a running Job deleted by hand fails its step with WorkflowJobMissing, a Warning Event naming Job and TTL, and the metric', async () => {
    const name = uniqueName('gone');
    const before = await missingCount(h.ns);
    await h.apply('OrchestrationRun', name, { steps: [jobStep('forever', { KWOK_RUN_FOREVER: 'true' })] });
    const running = await waitFor(
      async () => {
        const s = await h.status(name);
        return s.steps?.[0]?.phase === 'Running' && s.steps[0].jobName ? s : undefined;
      },
      { what: `step of ${name} Running with its Job`, timeoutMs: 60_000 },
    );
    const jobName = running.steps![0]!.jobName!;
    // Running is reported only once the Job exists.
    expect((await kubectl(['get', 'job', jobName, '-n', h.ns])).code).toBe(0);
    expect((await kubectl(['delete', 'job', jobName, '-n', h.ns, '--wait=false'])).code).toBe(0);
    const failed = await h.phaseOf(name, ['Succeeded', 'Failed']);
    expect(failed.phase).toBe('Failed');
    expect(failed.steps).toEqual([expect.objectContaining({ phase: 'Failed', reason: 'WorkflowJobMissing', jobName })]);
    expect(failed.steps![0]!.message).toContain(`Job ${h.ns}/${jobName}`);
    const warning = await waitFor(async () => (await h.events(name)).find((e) => e.reason === 'WorkflowJobMissing'), { what: 'WorkflowJobMissing Event', timeoutMs: 10_000 });
    expect(warning.type).toBe('Warning');
    expect(warning.message).toContain(jobName);
    expect(warning.message).toContain('ttlSecondsAfterFinished=600s');
    expect(await missingCount(h.ns)).toBe(before + 1);
  });

  it('100 job steps with the default TTL all record their outcome: none missing', async () => {
    const name = uniqueName('hundred');
    const before = await missingCount(h.ns);
    // dependsOn: [] on each: all 100 Jobs run at once.
    const steps = Array.from({ length: 100 }, (_, i) => jobStep(`j${i}`, { KWOK_TERMINATION_MESSAGE: `out-${i}` }, { dependsOn: [] }));
    await h.apply('OrchestrationRun', name, { steps });
    const done = await h.phaseOf(name, ['Succeeded', 'Failed'], 240_000);
    expect(done.stepCounts).toMatchObject({ total: 100, succeeded: 100 });
    expect(done.steps!.map((s) => s.output)).toEqual(steps.map((_, i) => `out-${i}`));
    expect(await missingCount(h.ns)).toBe(before);
  }, 300_000);
});

describe('job steps started directly, on a run the bridge does not watch', () => {
  let ns: string;
  let shortTtl: TestWorker;
  const api = () => kubeConfig().makeApiClient(CustomObjectsApi);
  const target = (name: string) => ({ group: 'orchestration.proompteng.ai', version: 'v1alpha1', plural: 'orchestrationruns', namespace: ns, name });

  beforeAll(async () => {
    ns = await createNamespace('jobs-direct');
    shortTtl = await startTestWorker({ jobTtlSeconds: 0 });
  });
  afterAll(async () => {
    await shortTtl?.stop();
  });

  async function createRun(steps: Step[]) {
    const name = uniqueName('direct');
    const created = (await api().createNamespacedCustomObject({
      ...target(name),
      body: { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name }, spec: { steps } },
    })) as { metadata: { uid: string } };
    return { name, namespace: ns, uid: created.metadata.uid };
  }
  const runStatus = async (name: string) => ((await api().getNamespacedCustomObject(target(name))) as { status?: OrchestrationRunStatus }).status;

  it('a retried activity finds the Job an earlier try created instead of creating a second', async () => {
    const steps = [jobStep('build', { KWOK_TERMINATION_MESSAGE: 'from the workflow' })];
    const run = await createRun(steps);
    // As if an earlier try of the create activity had created the Job and then lost its answer.
    const earlier = stepJobManifest({ run, step: 'build', attempt: 1, job: { ...steps[0]!.job!, env: [{ name: 'KWOK_TERMINATION_MESSAGE', value: 'from the earlier try' }] }, timeoutSeconds: 600 }, 600);
    await batch.createNamespacedJob({ namespace: ns, body: earlier });
    const handle = await startRun(h.tw, snapshotOf(steps, { run, writeStatus: true }));
    expect((await outcome(handle)).result?.phase).toBe('Succeeded');
    expect((await runStatus(run.name))?.steps).toEqual([expect.objectContaining({ phase: 'Succeeded', jobName: earlier.metadata.name, output: 'from the earlier try' })]);
    expect((await jobsOf(ns, run.uid)).map((j) => j.metadata!.name)).toEqual([earlier.metadata.name]);
  });

  it('with a TTL of 0 the outcome is recorded first or the step says WorkflowJobMissing, never a hang', async () => {
    const steps = Array.from({ length: 5 }, (_, i) => jobStep(`quick${i}`, { KWOK_TERMINATION_MESSAGE: `q${i}` }, { dependsOn: [] }));
    const run = await createRun(steps);
    const handle = await startRun(shortTtl, snapshotOf(steps, { run, writeStatus: true }));
    await outcome(handle); // closes: Succeeded, or Failed if a Job was collected first
    const status = await runStatus(run.name);
    expect(status?.steps).toHaveLength(5);
    for (const [i, step] of status!.steps!.entries()) {
      if (step.phase === 'Succeeded') expect(step.output).toBe(`q${i}`);
      else expect(step).toMatchObject({ phase: 'Failed', reason: 'WorkflowJobMissing' });
    }
    const missing = status!.steps!.filter((s) => s.phase === 'Failed').length;
    expect(await missingCount(ns, shortTtl)).toBe(missing);
  });
});
