// OrchestrationSchedules through the bridge and a worker on the real sandbox: each firing makes a run the
// bridge mirrors as usual; a pause and a backfill from the temporal CLI show on the CR; the overlap policy
// applies to runs (CancelOther, TerminateOther end the older run Cancelled by the schedule); history limits
// trim; deleting the CR deletes its Temporal Schedule; a bad cron is reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleIdFor, ScheduleAnnotations, ScheduleLabels, type OrchestrationScheduleStatus } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { kubectl, temporalCli, uniqueName } from '../support/sandbox.js';

let h: BridgeHarness;
beforeAll(async () => {
  h = await startBridgeHarness('sched', { controller: { scheduleResyncMs: 1000 } });
});
afterAll(async () => {
  await h?.stop();
});

interface ScheduleView {
  metadata: { uid: string; finalizers?: string[] };
  status?: OrchestrationScheduleStatus;
}
interface RunItem {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] };
  spec: { orchestrationRef?: { name: string }; parameters?: Record<string, string> };
  status?: { phase?: string; cancelledBy?: string; temporal?: { workflowId: string }; conditions?: { type: string; status: string; reason?: string }[] };
}

async function schedule(name: string): Promise<ScheduleView> {
  const got = await kubectl(['get', 'orchsched', name, '-n', h.ns, '-o', 'json']);
  if (got.code !== 0) throw new Error(`kubectl get orchsched ${name}: ${got.stderr}`);
  return JSON.parse(got.stdout) as ScheduleView;
}

async function untilSchedule(name: string, what: string, test: (s: ScheduleView) => boolean, timeoutMs = 60_000): Promise<ScheduleView> {
  return waitFor(
    async () => {
      const s = await schedule(name);
      return test(s) ? s : undefined;
    },
    { what: `schedule ${name}: ${what}`, timeoutMs },
  );
}

/** The runs labelled with the schedule, as `kubectl get orchrun -l` lists them. */
async function runsOf(name: string): Promise<RunItem[]> {
  const got = await kubectl(['get', 'orchrun', '-n', h.ns, '-l', `${ScheduleLabels.schedule}=${name}`, '-o', 'json']);
  if (got.code !== 0) throw new Error(`kubectl get orchrun: ${got.stderr}`);
  return (JSON.parse(got.stdout) as { items: RunItem[] }).items;
}

async function untilRuns(name: string, what: string, test: (runs: RunItem[]) => boolean, timeoutMs = 90_000): Promise<RunItem[]> {
  return waitFor(
    async () => {
      const runs = await runsOf(name);
      return test(runs) ? runs : undefined;
    },
    { what: `runs of ${name}: ${what}`, timeoutMs },
  );
}

const ready = (s: ScheduleView) => s.status?.conditions?.find((c) => c.type === 'Ready');
const sleepSteps = (seconds: number) => ({ steps: [{ name: 'work', activity: { name: 'sleep', input: { seconds } } }] });
const scheduledAt = (run: RunItem) => Date.parse(run.metadata.annotations?.[ScheduleAnnotations.scheduledTime] ?? '');

describe('OrchestrationSchedule', () => {
  it('fires every 2 s: each run is owned, labelled, mirrored and Succeeds; the status shows them; history limits trim', async () => {
    const orch = uniqueName('quick');
    expect((await h.apply('Orchestration', orch, sleepSteps(0))).code).toBe(0);
    const name = uniqueName('every2s').slice(0, 40);
    expect((await h.apply('OrchestrationSchedule', name, { interval: '2s', orchestrationRef: { name: orch }, parameters: { who: 'schedule' }, successfulRunsHistoryLimit: 2 })).code).toBe(0);
    const s = await untilSchedule(name, 'Ready with a run that Succeeded', (v) => ready(v)?.status === 'True' && v.status?.lastRun?.phase === 'Succeeded');
    expect(s.metadata.finalizers).toContain('orchestration.proompteng.ai/runtime-cleanup');
    expect(s.status?.temporal?.scheduleId).toBe(scheduleIdFor({ namespace: h.ns, name, uid: s.metadata.uid }));
    expect(s.status?.temporal?.uiUrl).toContain('/schedules/');
    expect(s.status?.paused).toBe(false);
    expect(s.status?.nextFireTimes?.length).toBeGreaterThan(0);

    // More firings than the limit keeps: the oldest Succeeded ones go, and never more than 2 stay finished.
    const seen = new Set<string>();
    await untilRuns(name, 'five runs made, at most two Succeeded kept', (runs) => {
      for (const r of runs) seen.add(r.metadata.name);
      return seen.size >= 5 && runs.filter((r) => r.status?.phase === 'Succeeded').length <= 2;
    });
    const runs = await runsOf(name);
    for (const run of runs) {
      expect(run.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'OrchestrationSchedule', name, uid: s.metadata.uid, controller: true })]);
      // Named after the firing: <schedule>-<unix seconds of the scheduled time>.
      expect(run.metadata.name).toBe(`${name}-${Math.floor(scheduledAt(run) / 1000)}`);
    }
    // Mirrored as any run: its own workflow, the schedule's Orchestration and parameters.
    const done = runs.find((r) => r.status?.phase === 'Succeeded')!;
    expect(done.status?.temporal?.workflowId).toContain(`orchestrationrun/${h.ns}/${done.metadata.name}/`);
    expect(done.spec).toEqual({ orchestrationRef: { name: orch }, parameters: { who: 'schedule' } });
    // Firings and runs agree one to one: each run names the firing workflow that made it, for its own
    // scheduled time, and no two runs name the same firing.
    const firings = runs.map((r) => r.metadata.annotations?.[ScheduleAnnotations.firingWorkflowId] ?? '');
    for (const [i, run] of runs.entries()) expect(firings[i]).toBe(`${s.status!.temporal!.scheduleId}-${new Date(scheduledAt(run)).toISOString().replace(/\.\d+Z$/, 'Z')}`);
    expect(new Set(firings).size).toBe(runs.length);

    expect((await kubectl(['delete', 'orchsched', name, '-n', h.ns, '--wait=true', '--timeout=60s'])).code).toBe(0);
    const described = await temporalCli(['schedule', 'describe', '--schedule-id', s.status!.temporal!.scheduleId]);
    expect(described.code).not.toBe(0);
    expect(described.stderr.toLowerCase()).toMatch(/not found/);
  });

  it('a pause from the temporal CLI shows on the CR and stops firings; a backfill from the CLI makes the backfilled runs', async () => {
    const orch = uniqueName('quick');
    expect((await h.apply('Orchestration', orch, sleepSteps(0))).code).toBe(0);
    const name = uniqueName('pausable').slice(0, 40);
    expect((await h.apply('OrchestrationSchedule', name, { interval: '2s', orchestrationRef: { name: orch }, successfulRunsHistoryLimit: 100 })).code).toBe(0);
    const s = await untilSchedule(name, 'a run Succeeded', (v) => v.status?.lastRun?.phase === 'Succeeded');
    const scheduleId = s.status!.temporal!.scheduleId;
    const createdAt = Date.now();

    const paused = await temporalCli(['schedule', 'toggle', '--schedule-id', scheduleId, '--pause', '--reason', 'maintenance window']);
    expect(paused.code, paused.stderr).toBe(0);
    const pausedAt = Date.now();
    const p = await untilSchedule(name, 'paused', (v) => v.status?.paused === true);
    expect(p.status?.pauseNote).toContain('maintenance window');
    // spec.suspend did not change, so the bridge leaves the CLI's pause alone.
    expect(p.status?.appliedSuspend).toBe(false);

    // Backfill three firings from well before the schedule existed, while it is paused.
    const start = new Date(Math.floor(createdAt / 2000) * 2000 - 120_000);
    const end = new Date(start.getTime() + 5000);
    const backfill = await temporalCli(['schedule', 'backfill', '--schedule-id', scheduleId, '--start-time', start.toISOString(), '--end-time', end.toISOString(), '--overlap-policy', 'AllowAll']);
    expect(backfill.code, backfill.stderr).toBe(0);
    const inWindow = (r: RunItem) => scheduledAt(r) >= start.getTime() && scheduledAt(r) <= end.getTime();
    const runs = await untilRuns(name, 'the backfilled runs Succeeded', (all) => all.filter(inWindow).length >= 2 && all.filter(inWindow).every((r) => r.status?.phase === 'Succeeded'));
    // Paused: while the backfill ran, no regular firing after the pause made a run.
    const regularAfterPause = runs.filter((r) => !inWindow(r) && scheduledAt(r) > pausedAt + 2000);
    expect(regularAfterPause.map((r) => r.metadata.name)).toEqual([]);
    await untilSchedule(name, 'the backfilled runs listed', (v) => (v.status?.recentRuns ?? []).filter((r) => Date.parse(r.scheduledTime ?? '') <= end.getTime()).length >= 2);

    // spec.suspend: true → false unpauses it (the change is applied), and firings resume.
    expect((await kubectl(['patch', 'orchsched', name, '-n', h.ns, '--type=merge', '-p', '{"spec":{"suspend":true}}'])).code).toBe(0);
    await untilSchedule(name, 'suspend applied', (v) => v.status?.appliedSuspend === true && v.status.paused === true);
    expect((await kubectl(['patch', 'orchsched', name, '-n', h.ns, '--type=merge', '-p', '{"spec":{"suspend":false}}'])).code).toBe(0);
    await untilSchedule(name, 'unpaused', (v) => v.status?.appliedSuspend === false && v.status.paused === false);
    const resumedAt = Date.now();
    await untilRuns(name, 'a firing after the unpause', (all) => all.some((r) => scheduledAt(r) > resumedAt));
    expect((await kubectl(['delete', 'orchsched', name, '-n', h.ns, '--wait=false'])).code).toBe(0);
  });

  for (const policy of ['CancelOther', 'TerminateOther'] as const) {
    it(`${policy}: a long run is cancelled by the next firing, Cancelled by schedule:<name>`, async () => {
      const orch = uniqueName('long');
      expect((await h.apply('Orchestration', orch, sleepSteps(600))).code).toBe(0);
      const name = uniqueName(policy.toLowerCase()).slice(0, 40);
      expect((await h.apply('OrchestrationSchedule', name, { interval: '3s', orchestrationRef: { name: orch }, overlapPolicy: policy, failedRunsHistoryLimit: 10 })).code).toBe(0);
      const runs = await untilRuns(name, 'a run Cancelled', (all) => all.some((r) => r.status?.phase === 'Cancelled'));
      const cancelled = runs.find((r) => r.status?.phase === 'Cancelled')!;
      expect(cancelled.status?.cancelledBy).toBe(`schedule:${name}`);
      expect(cancelled.status?.conditions?.find((c) => c.type === 'Cancelled')).toMatchObject({ status: 'True', reason: 'ScheduleOverlap' });
      // Its successor comes from a later firing (under CancelOther only once the cancelled run has ended).
      await untilRuns(name, 'a later firing made a run', (all) => all.some((r) => scheduledAt(r) > scheduledAt(cancelled)));
      expect((await kubectl(['patch', 'orchsched', name, '-n', h.ns, '--type=merge', '-p', '{"spec":{"suspend":true}}'])).code).toBe(0);
      expect((await kubectl(['delete', 'orchsched', name, '-n', h.ns, '--wait=false'])).code).toBe(0);
    });
  }

  it('a cron Temporal refuses is reported on the CR, Ready=False naming the problem', async () => {
    const name = uniqueName('badcron').slice(0, 40);
    expect((await h.apply('OrchestrationSchedule', name, { schedule: 'every tuesday-ish', orchestrationRef: { name: 'whatever' } })).code).toBe(0);
    const s = await untilSchedule(name, 'Ready=False', (v) => ready(v)?.status === 'False');
    expect(ready(s)).toMatchObject({ reason: 'InvalidSpec' });
    expect(ready(s)?.message).toContain('Temporal refused the schedule');
    // Fixed, it becomes Ready.
    expect((await kubectl(['patch', 'orchsched', name, '-n', h.ns, '--type=merge', '-p', '{"spec":{"schedule":"0 0 1 1 *"}}'])).code).toBe(0);
    const fixed = await untilSchedule(name, 'Ready=True', (v) => ready(v)?.status === 'True');
    expect(fixed.status?.nextFireTimes?.[0]).toMatch(/-01-01T00:00:00/);
    // Broken again: the Temporal Schedule keeps its previous spec, and the CR says so.
    expect((await kubectl(['patch', 'orchsched', name, '-n', h.ns, '--type=merge', '-p', '{"spec":{"schedule":"61 * * * *"}}'])).code).toBe(0);
    const broken = await untilSchedule(name, 'Ready=False again', (v) => ready(v)?.status === 'False');
    expect(ready(broken)?.message).toContain('keeps its previous spec');
    expect(broken.status?.nextFireTimes?.[0]).toMatch(/-01-01T00:00:00/);
    expect((await kubectl(['delete', 'orchsched', name, '-n', h.ns, '--wait=true', '--timeout=60s'])).code).toBe(0);
  });
});
