/**
 * What the bridge writes about invalid objects, pure: a run that fails validation ends Failed/InvalidSpec,
 * and an Orchestration shows Ready=True or Ready=False/InvalidSpec. Messages are bounded by the one rule of
 * core/messages.ts, so the apiserver never refuses the write that reports a problem.
 */
import {
  boundedMessage,
  conditionOf,
  EVENT_MESSAGE_MAX_BYTES,
  isTerminalPhase,
  Reasons,
  setCondition,
  STATUS_MESSAGE_MAX_BYTES,
  type Condition,
  type OrchestrationStatus,
} from '../core/index.js';
import type { StatusPatch } from './types.js';

const PREFIX = 'invalid spec';

/** The status message and the Event message for a list of problems, each within its limit. */
export function invalidSpecMessages(problems: readonly string[]): { status: string; event: string } {
  return { status: boundedMessage(problems, STATUS_MESSAGE_MAX_BYTES, PREFIX), event: boundedMessage(problems, EVENT_MESSAGE_MAX_BYTES, PREFIX) };
}

export type InvalidRunAction = { type: 'patchStatus'; status: StatusPatch } | { type: 'event'; eventType: 'Warning'; reason: string; message: string };

/** The end of a run with an invalid spec: Failed, Ready=False and Succeeded=False with reason InvalidSpec, a Warning. */
export function invalidRunActions(conditions: readonly Condition[] | undefined, problems: readonly string[], generation: number | undefined, now: string): InvalidRunAction[] {
  const message = invalidSpecMessages(problems);
  const condition = { status: 'False', reason: Reasons.InvalidSpec, message: message.status, observedGeneration: generation } as const;
  // The Event first: a status write that times out may still land, and the next pass, seeing Failed, would
  // not record the Event again. A retried pass may record it twice; an Event is never lost.
  return [
    { type: 'event', eventType: 'Warning', reason: Reasons.InvalidSpec, message: message.event },
    {
      type: 'patchStatus',
      status: {
        phase: 'Failed',
        message: message.status,
        completionTime: now,
        observedGeneration: generation,
        conditions: setCondition(setCondition(conditions, { type: 'Ready', ...condition }, now), { type: 'Succeeded', ...condition }, now),
      },
    },
  ];
}

/** What is left of a run the schema rejects: only what a status write needs, none of it from the spec. */
export interface UnparsedRun {
  generation?: number;
  deleting: boolean;
  holdsFinalizer: boolean;
  /** The stored status as far as it parses; undefined when it does not. */
  status?: { phase?: string; temporal?: unknown; conditions?: Condition[] };
}

export type UnparsedRunAction = InvalidRunAction | { type: 'removeFinalizer' };

/**
 * A run the schema rejects never starts: it ends Failed/InvalidSpec naming the problems, once. Being deleted,
 * it is let go; if its workflow had started (under an older schema), the orphan sweep cancels it once the
 * run is gone. One that started and is not being deleted is left alone: its workflow writes its end, and
 * marking it Failed here would lie.
 */
export function decideUnparsedRun(run: UnparsedRun, problems: readonly string[], now: string): UnparsedRunAction[] {
  const status = run.status ?? {};
  if (run.deleting) return run.holdsFinalizer ? [{ type: 'removeFinalizer' }] : [];
  if (isTerminalPhase(status.phase) || status.temporal) return [];
  return invalidRunActions(status.conditions, problems, run.generation, now);
}

export type OrchestrationStatusAction = { type: 'patchStatus'; status: OrchestrationStatus } | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string };

/**
 * An Orchestration's Ready condition: True when its spec passes the schema and the DAG rules, else
 * False/InvalidSpec with the problems (the cycle path, the unknown names). Written again only on a change,
 * with an Event when it turns invalid.
 */
export function decideOrchestrationStatus(
  current: OrchestrationStatus | undefined,
  problems: readonly string[],
  generation: number | undefined,
  now: string,
): OrchestrationStatusAction[] {
  const message = invalidSpecMessages(problems);
  const ready: Omit<Condition, 'lastTransitionTime'> =
    problems.length === 0
      ? { type: 'Ready', status: 'True', reason: 'Valid', message: 'the steps form a valid DAG', observedGeneration: generation }
      : { type: 'Ready', status: 'False', reason: Reasons.InvalidSpec, message: message.status, observedGeneration: generation };
  const shown = conditionOf(current?.conditions, 'Ready');
  if (shown && shown.status === ready.status && shown.reason === ready.reason && shown.message === ready.message && current?.observedGeneration === generation) return [];
  const patch: OrchestrationStatusAction = { type: 'patchStatus', status: { observedGeneration: generation, conditions: setCondition(current?.conditions, ready, now) } };
  if (problems.length === 0) return [patch];
  return [{ type: 'event', eventType: 'Warning', reason: Reasons.InvalidSpec, message: message.event }, patch]; // Event first, as for runs
}
