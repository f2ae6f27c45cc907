/**
 * Which runs need their workflow read from Temporal. A finished run whose status records how it ended is
 * decided from the CR alone: the workflow wrote that end itself (with its final runId), or the bridge did
 * from the workflow's close, so reading it again at every resync would only cost Temporal reads. Pure.
 */
import { conditionOf, isTerminalPhase, pendingCancel, Reasons, type OrchestrationRun } from '../core/index.js';

/** True while reconcile must read the run's workflow; false for a finished run whose end is recorded, or a queued one. */
export function needsWorkflowRead(run: OrchestrationRun): boolean {
  const status = run.status ?? {};
  // Deletion and cancels act on the workflow; a run still running is compared with it.
  if (run.metadata.deletionTimestamp || pendingCancel(status)) return true;
  // A run in the concurrency queue has no workflow: the bridge records Starting before it starts one.
  if (isQueued(run)) return false;
  if (!isTerminalPhase(status.phase) || !status.completionTime) return true;
  const succeeded = conditionOf(status.conditions, 'Succeeded');
  if (!succeeded || succeeded.status === 'Unknown') return true;
  // A cancel from Temporal's side: who asked is in the history until the run records it.
  if (status.phase === 'Cancelled' && !status.cancelledBy) return true;
  return false;
}

/** A run waiting in a concurrency queue (Ready=False/Queued): it has no workflow yet. */
export function isQueued(run: OrchestrationRun): boolean {
  const status = run.status ?? {};
  return !status.temporal && status.phase === 'Pending' && conditionOf(status.conditions, 'Ready')?.reason === Reasons.Queued;
}
