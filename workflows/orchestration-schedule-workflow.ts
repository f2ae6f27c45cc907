/**
 * One firing of an OrchestrationSchedule: the action of its Temporal Schedule. It makes the firing's run and
 * stays open until that run ends, so the Schedule's overlap policy applies to runs, not only to workflow
 * starts. Cancelled by the overlap policy (CancelOther), it asks the run to cancel and waits for it to end.
 * TerminateOther runs no workflow code: the bridge's schedule reconciler asks such a run to cancel instead.
 */
import { CancellationScope, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ScheduleActivities, ScheduledRunEnd } from '../activities/index.js';

export interface ScheduleFiringInput {
  namespace: string;
  schedule: string;
  scheduleUid: string;
}

export type ScheduleFiringResult = { run: string; end: ScheduledRunEnd } | { skipped: string };

/** The search attribute a Temporal Schedule sets on the workflows it starts: the firing's scheduled time. */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

const create = proxyActivities<ScheduleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['ScheduledRunRefused'] },
});
const wait = proxyActivities<ScheduleActivities>({
  // A long run outlasts an attempt: the next attempt simply waits on.
  startToCloseTimeout: '1 day',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
/** After a cancel: the run's own cancel is bounded by the bridge's cancel timeout (5 min by default), then forced. */
const afterCancel = proxyActivities<ScheduleActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 20 },
});

/** The firing's scheduled time: Temporal's search attribute, else the time suffix of the workflow id (`<schedule id>-<RFC 3339>`). */
function scheduledTime(): string {
  const info = workflowInfo();
  const at = info.typedSearchAttributes.get(SCHEDULED_START_TIME);
  if (at) return new Date(at).toISOString().replace(/\.000Z$/, 'Z');
  const suffix = /-(\d{4}-\d\d-\d\dT[0-9:.]+Z)$/.exec(info.workflowId)?.[1];
  return suffix ?? info.startTime.toISOString();
}

export async function orchestrationScheduleWorkflow(input: ScheduleFiringInput): Promise<ScheduleFiringResult> {
  const made = await create.createScheduledRun({ ...input, scheduledTime: scheduledTime(), firingWorkflowId: workflowInfo().workflowId });
  if ('skipped' in made) return made;
  const target = { namespace: input.namespace, run: made.run };
  try {
    return { run: made.run, end: await wait.awaitScheduledRun(target) };
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // The overlap policy made way for a later firing: the run stops, and this firing closes once it has.
    await CancellationScope.nonCancellable(async () => {
      await afterCancel.requestScheduledRunCancel({ ...target, schedule: input.schedule });
      await afterCancel.awaitScheduledRun(target);
    });
    throw err;
  }
}
