// The pure parts of schedules: spec → Temporal Schedule options, status from a description and the runs,
// the history limits' choice, run names, the schedule's cancel request and the status merge patch.
import { describe, expect, it } from 'vitest';
import {
  OrchestrationScheduleSpecSchema,
  Reasons,
  parseScheduleId,
  runsBeyondHistoryLimits,
  scheduleCancelRequest,
  scheduledRunName,
  scheduleIdFor,
  type OrchestrationSchedule,
  type ScheduledRunView,
} from '../../core/index.js';
import { decide } from '../../bridge/decide.js';
import { notReadyStatus, readyStatus, scheduleCreateFor, scheduleUiUrl, scheduleUpdateFor, SUSPEND_NOTE } from '../../bridge/schedule-options.js';
import { statusPatch } from '../../bridge/schedule-reconciler.js';

const metadata = { namespace: 'team', name: 'nightly', uid: 'u-1', generation: 3 };
const scheduleOf = (spec: Partial<OrchestrationSchedule['spec']>, status?: OrchestrationSchedule['status']): OrchestrationSchedule => ({
  apiVersion: 'orchestration.proompteng.ai/v1alpha1',
  kind: 'OrchestrationSchedule',
  metadata,
  spec: { orchestrationRef: { name: 'build' }, ...spec },
  ...(status ? { status } : {}),
});
const target = { temporalNamespace: 'default', taskQueue: 'tq', uiBaseUrl: 'http://ui:8233/' };
const now = '2026-01-01T00:00:00Z';

describe('spec → Temporal Schedule options', () => {
  it('maps a cron with time zone, jitter, catch-up and each overlap policy', () => {
    const cases = [
      ['Skip', 'SKIP'],
      ['BufferOne', 'BUFFER_ONE'],
      ['BufferAll', 'BUFFER_ALL'],
      ['CancelOther', 'CANCEL_OTHER'],
      ['TerminateOther', 'TERMINATE_OTHER'],
      ['AllowAll', 'ALLOW_ALL'],
    ] as const;
    for (const [policy, temporal] of cases) {
      const options = scheduleUpdateFor(scheduleOf({ schedule: '0 3 * * *', timeZone: 'Europe/Paris', jitterSeconds: 30, catchupWindowSeconds: 600, overlapPolicy: policy }), 'tq');
      expect(options.spec).toEqual({ cronExpressions: ['0 3 * * *'], timezone: 'Europe/Paris', jitter: 30_000 });
      expect(options.policies).toEqual({ overlap: temporal, catchupWindow: 600_000 });
    }
  });

  it('maps an interval; defaults to Skip; the action starts one firing workflow with the identity only', () => {
    const options = scheduleUpdateFor(scheduleOf({ interval: '10s', parameters: { a: 'b' } }), 'tq');
    expect(options.spec).toEqual({ intervals: [{ every: 10_000 }] });
    // A compound duration the schema admits reaches Temporal as milliseconds (its own strings take one unit).
    expect(scheduleUpdateFor(scheduleOf({ interval: '1h30m' }), 'tq').spec).toEqual({ intervals: [{ every: 5_400_000 }] });
    expect(scheduleUpdateFor(scheduleOf({ interval: '1m500ms' }), 'tq').spec).toEqual({ intervals: [{ every: 60_500 }] });
    expect(options.policies).toEqual({ overlap: 'SKIP' });
    expect(options.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'orchestrationScheduleWorkflow',
      workflowId: 'orchestrationschedule/team/nightly/u-1',
      taskQueue: 'tq',
      args: [{ namespace: 'team', schedule: 'nightly', scheduleUid: 'u-1' }],
    });
  });

  it('creates paused when spec.suspend is true, and not paused otherwise', () => {
    expect(scheduleCreateFor(scheduleOf({ interval: '1m', suspend: true }), 'tq').state).toEqual({ paused: true, note: SUSPEND_NOTE });
    expect(scheduleCreateFor(scheduleOf({ interval: '1m' }), 'tq')).toMatchObject({ scheduleId: scheduleIdFor(metadata), state: {} });
  });

  it('the schema wants exactly one of schedule or interval, and a duration for interval', () => {
    const base = { orchestrationRef: { name: 'x' } };
    expect(OrchestrationScheduleSpecSchema.safeParse({ ...base, schedule: '* * * * *' }).success).toBe(true);
    expect(OrchestrationScheduleSpecSchema.safeParse({ ...base, interval: '1h30m' }).success).toBe(true);
    expect(OrchestrationScheduleSpecSchema.safeParse(base).error?.issues[0]?.message).toBe('exactly one of schedule or interval must be set');
    expect(OrchestrationScheduleSpecSchema.safeParse({ ...base, schedule: '* * * * *', interval: '1m' }).success).toBe(false);
    expect(OrchestrationScheduleSpecSchema.safeParse({ ...base, interval: 'often' }).error?.issues[0]?.message).toContain('interval must be a duration');
  });
});

describe('status', () => {
  const runs: ScheduledRunView[] = [
    { name: 'nightly-100', uid: 'a', phase: 'Succeeded', scheduledTime: '1970-01-01T00:01:40Z' },
    { name: 'nightly-300', uid: 'c', phase: 'Running', scheduledTime: '1970-01-01T00:05:00Z' },
    { name: 'nightly-200', uid: 'b', phase: 'Failed', scheduledTime: '1970-01-01T00:03:20Z' },
  ];

  it('from the description and the runs: paused, note, next fire times, last and recent runs newest first, link', () => {
    const next = [1, 2, 3, 4, 5, 6].map((m) => new Date(Date.UTC(2026, 0, 1, 0, m)));
    const status = readyStatus(scheduleOf({ interval: '1m' }), target, { state: { paused: true, note: 'from the CLI' }, info: { nextActionTimes: next } }, runs, false, now);
    expect(status).toMatchObject({
      observedGeneration: 3,
      temporal: { namespace: 'default', scheduleId: 'orchestrationschedule/team/nightly/u-1', uiUrl: 'http://ui:8233/namespaces/default/schedules/orchestrationschedule%2Fteam%2Fnightly%2Fu-1' },
      paused: true,
      pauseNote: 'from the CLI',
      appliedSuspend: false,
      lastRun: { name: 'nightly-300', phase: 'Running', scheduledTime: '1970-01-01T00:05:00Z' },
    });
    expect(status.nextFireTimes).toHaveLength(5);
    expect(status.nextFireTimes?.[0]).toBe('2026-01-01T00:01:00.000Z');
    expect(status.recentRuns?.map((r) => r.name)).toEqual(['nightly-300', 'nightly-200', 'nightly-100']);
    expect(status.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'True', reason: Reasons.ScheduleReady, observedGeneration: 3 })]);
  });

  it('no UI link without TEMPORAL_UI_URL', () => {
    expect(scheduleUiUrl({ ...target, uiBaseUrl: '' }, 'x')).toBeUndefined();
  });

  it('Ready=False names the problem and keeps what the status showed', () => {
    const status = notReadyStatus(scheduleOf({ schedule: 'bad' }, { paused: false }), Reasons.InvalidSpec, 'Temporal refused the schedule: CronString does not have 5-7 fields', now);
    expect(status.paused).toBe(false);
    expect(status.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'InvalidSpec', message: 'Temporal refused the schedule: CronString does not have 5-7 fields', observedGeneration: 3 });
  });

  it('the status merge patch sets what changed, nulls what went, and is empty when nothing changed', () => {
    expect(statusPatch({ paused: true, lastRun: { name: 'a' } }, { paused: false })).toEqual({ paused: false, lastRun: null });
    expect(statusPatch({ paused: true, recentRuns: [{ name: 'a' }] }, { paused: true, recentRuns: [{ name: 'a' }] })).toBeUndefined();
    // The apiserver's key order is no change; a nested key gone is nulled, not kept from the run before.
    const read = JSON.parse('{"conditions":[{"lastTransitionTime":"t","observedGeneration":3,"reason":"ScheduleReady","status":"True","type":"Ready"}],"lastRun":{"name":"a","phase":"Succeeded"}}') as never;
    expect(statusPatch(read, { conditions: [{ type: 'Ready', status: 'True', reason: 'ScheduleReady', observedGeneration: 3, lastTransitionTime: 't' }], lastRun: { name: 'a', phase: 'Succeeded' } })).toBeUndefined();
    expect(statusPatch(read, { conditions: [{ type: 'Ready', status: 'True', reason: 'ScheduleReady', observedGeneration: 3, lastTransitionTime: 't' }], lastRun: { name: 'b' } })).toEqual({ lastRun: { name: 'b', phase: null } });
  });
});

describe('history limits', () => {
  const run = (name: string, phase: ScheduledRunView['phase'], seconds: number, extra: Partial<ScheduledRunView> = {}): ScheduledRunView => ({
    name,
    uid: name,
    phase,
    scheduledTime: new Date(seconds * 1000).toISOString(),
    ...extra,
  });
  const runs = [run('s1', 'Succeeded', 1), run('s2', 'Succeeded', 2), run('f3', 'Failed', 3), run('s4', 'Succeeded', 4), run('c5', 'Cancelled', 5), run('r6', 'Running', 6), run('s7', 'Succeeded', 7)];

  it('keeps the newest N Succeeded and M Failed or Cancelled; deletes the rest oldest first; never an active run', () => {
    expect(runsBeyondHistoryLimits(runs, { successful: 2, failed: 1 }).map((r) => r.name)).toEqual(['s1', 's2', 'f3']);
    expect(runsBeyondHistoryLimits(runs, { successful: 0, failed: 0 }).map((r) => r.name)).toEqual(['s1', 's2', 'f3', 's4', 'c5', 's7']);
  });

  it('defaults to 3 Succeeded and 1 Failed, as a CronJob', () => {
    expect(runsBeyondHistoryLimits(runs, {}).map((r) => r.name)).toEqual(['s1', 'f3']);
  });

  it('runs already being deleted are neither chosen nor counted', () => {
    const deleting = [run('s1', 'Succeeded', 1), run('s2', 'Succeeded', 2, { deleting: true }), run('s3', 'Succeeded', 3)];
    expect(runsBeyondHistoryLimits(deleting, { successful: 1 }).map((r) => r.name)).toEqual(['s1']);
  });
});

describe('runs of a schedule', () => {
  it('are named after the firing, the same firing always the same name', () => {
    expect(scheduledRunName('nightly', '2026-01-01T03:00:00Z')).toBe('nightly-1767236400');
    expect(scheduledRunName('nightly', '2026-01-01T03:00:00.000Z')).toBe('nightly-1767236400');
    expect(() => scheduledRunName('nightly', 'soon')).toThrow('is not a timestamp');
  });

  it('the Temporal Schedule id carries the identity back (for the sweep of orphaned Schedules)', () => {
    expect(parseScheduleId(scheduleIdFor(metadata))).toEqual({ namespace: 'team', name: 'nightly', uid: 'u-1' });
    expect(parseScheduleId('someone-elses-schedule')).toBeUndefined();
    expect(parseScheduleId('orchestrationschedule/a/b/c/d')).toBeUndefined();
  });

  it("honour the schedule's cancel only as schedule:<its own label>", () => {
    const labels = { 'orchestration.proompteng.ai/schedule': 'nightly' };
    const ask = (value: string) => ({ 'orchestration.proompteng.ai/cancel-requested-by': value });
    expect(scheduleCancelRequest({ labels, annotations: ask('schedule:nightly') })).toEqual({ reason: 'ScheduleOverlap', cancelledBy: 'schedule:nightly' });
    expect(scheduleCancelRequest({ labels, annotations: ask('schedule:other') })).toBeUndefined();
    expect(scheduleCancelRequest({ annotations: ask('schedule:nightly') })).toBeUndefined();
  });

  it('decide() records the cancel on a running run, as by the schedule', () => {
    const run = {
      apiVersion: 'orchestration.proompteng.ai/v1alpha1' as const,
      kind: 'OrchestrationRun' as const,
      metadata: {
        namespace: 'team',
        name: 'nightly-100',
        uid: 'r-1',
        generation: 1,
        labels: { 'orchestration.proompteng.ai/schedule': 'nightly' },
        annotations: { 'orchestration.proompteng.ai/cancel-requested-by': 'schedule:nightly' },
        finalizers: ['orchestration.proompteng.ai/runtime-cleanup'],
      },
      spec: { orchestrationRef: { name: 'build' } },
      status: { phase: 'Running' as const, temporal: { namespace: 'default', workflowId: 'w', taskQueue: 'tq' }, observedGeneration: 1 },
    };
    const { actions } = decide({
      run,
      orchestration: undefined,
      orchestrationExists: true,
      workflow: { found: true, runId: 'x', status: 'RUNNING' },
      workflowId: 'w',
      settings: { temporalNamespace: 'default', taskQueue: 'tq', uiBaseUrl: '' },
      now,
    });
    expect(actions[0]).toMatchObject({ type: 'patchStatus', status: { cancelledBy: 'schedule:nightly', conditions: [expect.objectContaining({ type: 'Cancelled', status: 'Unknown', reason: 'ScheduleOverlap' })] } });
  });
});
