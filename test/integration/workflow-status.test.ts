// The workflow writes a run's progress to its real CR: phase, counts, steps and the Succeeded condition,
// coalesced far below one write per step transition; and the run is findable in Temporal by its CR.
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrchestrationRunStatus, Step } from '../../core/index.js';
import { installCrds } from '../../sandbox/kubernetes/apply.js';
import { waitFor } from '../../sandbox/wait.js';
import { kubeConfig, kubectl, sandboxEnv, temporalCli, uniqueName } from '../support/sandbox.js';
import { outcome, snapshotOf, startRun, startTestWorker, type TestWorker } from '../support/temporal.js';

let tw: TestWorker;
let api: CustomObjectsApi;
const target = (name: string) => ({ group: 'orchestration.proompteng.ai', version: 'v1alpha1', plural: 'orchestrationruns', namespace: 'default', name });

beforeAll(async () => {
  await installCrds(sandboxEnv().KUBECONFIG);
  api = kubeConfig().makeApiClient(CustomObjectsApi);
  tw = await startTestWorker();
});
afterAll(async () => {
  await tw?.stop();
});

async function createRun(steps: Step[]) {
  const name = uniqueName('status');
  const created = (await api.createNamespacedCustomObject({
    ...target(name),
    body: { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name }, spec: { steps } },
  })) as { metadata: { uid: string } };
  return { name, uid: created.metadata.uid };
}

describe('status on the CR', () => {
  it('shows phase, counts, every step and the Succeeded condition, with writes that grow with run time, not with steps', async () => {
    // A chain of 30 × 0.1 s: it outlasts the status interval (1 s), so progress is written while it runs.
    const steps: Step[] = Array.from({ length: 30 }, (_, i) => ({ name: `s${i}`, ...(i > 0 ? { dependsOn: [`s${i - 1}`] } : {}), activity: { name: 'sleep', input: { seconds: 0.1 } } }));
    const { name, uid } = await createRun(steps);
    // A watch sees every write to the CR, so the phases seen are exactly the phases written.
    const seenPhases: string[] = [];
    const watch = await new Watch(kubeConfig()).watch(
      '/apis/orchestration.proompteng.ai/v1alpha1/namespaces/default/orchestrationruns',
      { fieldSelector: `metadata.name=${name}` },
      (_type: string, obj: { status?: OrchestrationRunStatus }) => {
        const phase = obj.status?.phase;
        if (phase && seenPhases.at(-1) !== phase) seenPhases.push(phase);
      },
      () => undefined,
    );
    const handle = await startRun(tw, snapshotOf(steps, { run: { namespace: 'default', name, uid }, writeStatus: true }));
    const { result } = await outcome(handle);
    const status = await waitFor(
      async () => {
        const got = (await api.getNamespacedCustomObject(target(name))) as { status?: OrchestrationRunStatus };
        return got.status?.phase === 'Succeeded' ? got.status : undefined;
      },
      { what: `run ${name} Succeeded on the CR`, timeoutMs: 30_000 },
    );
    await waitFor(() => (seenPhases.at(-1) === 'Succeeded' ? true : undefined), { what: 'the watch to see Succeeded', timeoutMs: 10_000 });
    watch.abort();
    expect(seenPhases).toEqual(['Running', 'Succeeded']);
    expect(result?.phase).toBe('Succeeded');
    expect(status).toMatchObject({
      phase: 'Succeeded',
      progress: '30/30',
      stepCounts: { total: 30, pending: 0, running: 0, succeeded: 30, failed: 0, skipped: 0, cancelled: 0 },
      message: '30 of 30 steps succeeded',
    });
    expect(status.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(status.completionTime).toMatch(/Z$/);
    expect(status.steps?.map((s) => [s.name, s.phase])).toEqual(steps.map((s) => [s.name, 'Succeeded']));
    expect(status.conditions).toEqual([expect.objectContaining({ type: 'Succeeded', status: 'True', reason: 'Succeeded' })]);

    const history = await handle.fetchHistory();
    // Regular activities, and the final write as a local activity (a marker naming its activity type).
    const localWrite = (e: (typeof history.events & {})[number]) => {
      const data = e.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? e.markerRecordedEventAttributes.details?.data?.payloads?.[0]?.data : undefined;
      return data !== undefined && data !== null && (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type === 'writeRunStatus';
    };
    const writes = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'writeRunStatus' || localWrite(e)).length;
    expect((history.events ?? []).filter(localWrite)).toHaveLength(1);
    expect(writes).toBe(result?.statusWrites);
    // Coalesced: writes grow with run time (one per interval after the first, and the final one), not with
    // the 60 step transitions.
    const events = history.events ?? [];
    const ranMs = Number(events.at(-1)!.eventTime!.seconds) * 1000 - Number(events[0]!.eventTime!.seconds) * 1000;
    expect(writes).toBeLessThanOrEqual(2 + Math.ceil(ranMs / 1000));
    expect(writes).toBeLessThan(steps.length);
  });

  it('shows a failed run with the failed and skipped steps', async () => {
    const steps: Step[] = [
      { name: 'build', activity: { name: 'fail', input: { message: 'compiler crashed' } } },
      { name: 'test', activity: { name: 'sleep', input: { seconds: 0 } } },
    ];
    const { name, uid } = await createRun(steps);
    await outcome(await startRun(tw, snapshotOf(steps, { run: { namespace: 'default', name, uid }, writeStatus: true })));
    const got = (await api.getNamespacedCustomObject(target(name))) as { status: OrchestrationRunStatus };
    expect(got.status).toMatchObject({ phase: 'Failed', progress: '2/2', message: '1 of 2 steps failed' });
    expect(got.status.steps).toEqual([
      expect.objectContaining({ name: 'build', phase: 'Failed', reason: 'StepFailed', message: 'compiler crashed' }),
      expect.objectContaining({ name: 'test', phase: 'Skipped', reason: 'DependencyFailed', message: 'dependency "build" failed' }),
    ]);
    expect(got.status.conditions).toEqual([expect.objectContaining({ type: 'Succeeded', status: 'False', reason: 'Failed' })]);
    const table = (await kubectl(['get', 'orchrun', name, '--no-headers'])).stdout.trim();
    expect(table).toMatch(new RegExp(`^${name}\\s+Failed\\s+2/2\\s+`));
  });

  it('is listed in Temporal by its search attributes', async () => {
    const steps: Step[] = [{ name: 'only', activity: { name: 'sleep', input: { seconds: 0 } } }];
    const snapshot = snapshotOf(steps);
    await outcome(await startRun(tw, snapshot));
    const listed = await waitFor(
      async () => {
        const out = await temporalCli(['workflow', 'list', '--query', `OrchestrationRunName = '${snapshot.run.name}' AND OrchestrationRunUid = '${snapshot.run.uid}'`, '--output', 'json']);
        const rows = JSON.parse(out.stdout || '[]') as { execution: { workflowId: string } }[];
        return rows.length > 0 ? rows : undefined;
      },
      { what: 'workflow visible by search attributes', timeoutMs: 20_000 },
    );
    expect(listed.map((r) => r.execution.workflowId)).toEqual([`orchestrationrun/default/${snapshot.run.name}/${snapshot.run.uid}`]);
  });
});
