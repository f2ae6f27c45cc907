/**
 * decide()'s part for runs under concurrency limits, pure: the queued run's status, the Starting record that
 * makes an admitted run hold its slot, and the place dropped when a run leaves the queue another way.
 */
import { conditionOf, Reasons, setCondition, wholeSeconds } from '../core/index.js';
import { queueRefreshMs, type Admission } from './queue-plan.js';
import { decision, type Action, type Decision, type ReconcileInput, type StatusPatch } from './types.js';

/**
 * A run over a concurrency limit: Pending, Ready=False/Queued, and status.queue with its place. The place is
 * rewritten at once when the run is first queued or another limit holds it, else at most once per refresh
 * interval (queueRefreshMs), so a long queue moving costs a bounded number of writes.
 */
export function queued(input: ReconcileInput, admission: Extract<Admission, { admitted: false }>, retrigger: Action[]): Decision {
  const { run, now } = input;
  const status = run.status ?? {};
  const generation = run.metadata.generation;
  const shown = status.queue;
  const wasQueued = conditionOf(status.conditions, 'Ready')?.reason === Reasons.Queued && shown !== undefined;
  const refreshMs = queueRefreshMs(admission.of);
  const sinceWrite = shown ? Date.parse(now) - Date.parse(shown.lastUpdateTime) : Infinity;
  const moved = shown?.position !== admission.position || shown.of !== admission.of;
  if (wasQueued && shown.heldBy === admission.heldBy && (!moved || sinceWrite < refreshMs)) return decision(retrigger, moved ? refreshMs - sinceWrite : refreshMs);
  const message = `queued: ${admission.position} of ${admission.of} waiting for ${admission.heldBy} (${admission.running} running)`;
  return decision(
    [
      ...retrigger,
      {
        type: 'patchStatus',
        status: {
          phase: 'Pending',
          message,
          observedGeneration: generation,
          queue: { position: admission.position, of: admission.of, heldBy: admission.heldBy, since: shown?.since ?? wholeSeconds(now), lastUpdateTime: wholeSeconds(now) },
          conditions: setCondition(status.conditions, { type: 'Ready', status: 'False', reason: Reasons.Queued, message, observedGeneration: generation }, now),
        },
      },
      ...(wasQueued ? [] : [{ type: 'event', eventType: 'Normal', reason: Reasons.Queued, message } as const]),
    ],
    refreshMs,
  );
}

/**
 * The Ready=False/Starting record of a run about to start, written (compare-and-swap on the version decide
 * saw) before its workflow starts: from then on the run holds its slot, for this bridge and any leader after
 * it. Also for a queued run that no limit holds any more, so that it no longer reads as queued.
 */
export function startingStatus(input: ReconcileInput, admission: Admission | undefined): StatusPatch | undefined {
  const { run, now } = input;
  const status = run.status ?? {};
  const wasQueued = status.queue !== undefined || conditionOf(status.conditions, 'Ready')?.reason === Reasons.Queued;
  if (!admission && !wasQueued) return undefined;
  const generation = run.metadata.generation;
  const message = admission ? 'admitted under the concurrency limits; starting its workflow' : 'no concurrency limit holds the run any more; starting its workflow';
  return {
    phase: 'Pending',
    ...(status.message ? { message: null } : {}),
    ...(status.queue ? { queue: null } : {}),
    conditions: setCondition(status.conditions, { type: 'Ready', status: 'False', reason: Reasons.Starting, message, observedGeneration: generation }, now),
  };
}

/**
 * A queued run that leaves the queue any other way than by starting (cancelled, deleted, now invalid, its
 * Orchestration gone) drops its stale place in the same write that says what it is now.
 */
export function leaveQueue(decided: Decision): Decision {
  const actions = decided.actions.map((action): Action => {
    if (action.type !== 'patchStatus' || 'queue' in action.status) return action;
    const ready = conditionOf(action.status.conditions ?? undefined, 'Ready');
    const left = (action.status.phase && action.status.phase !== 'Pending') || (ready !== undefined && ready.reason !== Reasons.Queued);
    return left ? { ...action, status: { ...action.status, queue: null } } : action;
  });
  return { ...decided, actions };
}
