/**
 * A child run (made by an orchestration step of its parent) before its workflow runs: its parent's workflow
 * starts it as a Temporal child workflow, so the bridge never does. It waits, Pending with Ready=False/
 * WaitingForParent; should the parent end (or go) without starting it, it ends Failed/ParentEnded instead of
 * waiting forever. Pure, like decide().
 */
import { conditionOf, isTerminalPhase, Reasons, RUNTIME_CLEANUP_FINALIZER, setCondition, wholeSeconds } from '../core/index.js';
import { decision, type Action, type Decision, type ReconcileInput } from './types.js';

/** How often a waiting child looks again: the parent's start of its workflow is seen by the describe, not an event. */
export const WAITING_FOR_PARENT_MS = 2_000;

export function childBeforeStart(input: ReconcileInput): Decision {
  const { run, now, parent } = input;
  const status = run.status ?? {};
  const generation = run.metadata.generation;
  const name = parent?.name ?? '(unknown)';
  if (!parent?.found || isTerminalPhase(parent.phase)) {
    const why = parent?.found ? `ended ${parent.phase}` : 'is gone';
    const message = `parent run ${name} ${why} before it started this child run's workflow`;
    return decision([
      { type: 'event', eventType: 'Warning', reason: Reasons.ParentEnded, message },
      {
        type: 'patchStatus',
        status: {
          phase: 'Failed',
          message,
          completionTime: wholeSeconds(now),
          observedGeneration: generation,
          conditions: setCondition(
            setCondition(status.conditions, { type: 'Ready', status: 'False', reason: Reasons.ParentEnded, message, observedGeneration: generation }, now),
            { type: 'Succeeded', status: 'False', reason: Reasons.ParentEnded, message, observedGeneration: generation },
            now,
          ),
        },
      },
    ]);
  }
  const actions: Action[] = [];
  // Held while it waits too: a child deleted once its workflow started still gets its cleanup.
  if (!run.metadata.finalizers?.includes(RUNTIME_CLEANUP_FINALIZER)) actions.push({ type: 'addFinalizer' });
  if (!(status.phase === 'Pending' && conditionOf(status.conditions, 'Ready')?.reason === Reasons.WaitingForParent)) {
    const message = `waiting for parent run ${name} to start this child run's workflow`;
    actions.push({
      type: 'patchStatus',
      status: {
        phase: 'Pending',
        message,
        observedGeneration: generation,
        conditions: setCondition(status.conditions, { type: 'Ready', status: 'False', reason: Reasons.WaitingForParent, message, observedGeneration: generation }, now),
      },
    });
  }
  return decision(actions, WAITING_FOR_PARENT_MS);
}
