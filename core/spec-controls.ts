/** A run's mutable controls as the bridge hands them to its workflow: in the snapshot at start, then by signal. */
import type { OrchestrationRun, OrchestrationRunStatus } from './api/index.js';
import { specFieldManager } from './cancel.js';
import type { SpecControls } from './run-snapshot.js';

/** Who resumes a run whose spec.suspend was removed (no field manager owns an absent field). */
export const SUSPEND_REMOVED_BY = 'spec:suspend-removed';

/**
 * spec.suspend and spec.approvals with who set each, from managedFields; undefined when the spec has none.
 * A spec.suspend removed while the spec's suspend holds the run (status.suspendedBy spec:…) reads as false:
 * deleting the field resumes the run, as a suspend from Temporal stands whatever the spec leaves out.
 */
export function specControls(run: OrchestrationRun, status?: Pick<OrchestrationRunStatus, 'suspendedBy'>): SpecControls | undefined {
  const { approvals } = run.spec;
  const removed = run.spec.suspend === undefined && status?.suspendedBy?.startsWith('spec:') === true;
  const suspend = removed ? false : run.spec.suspend;
  const decisions = Object.entries(approvals ?? {});
  if (suspend === undefined && decisions.length === 0) return undefined;
  const managed = (run.metadata as { managedFields?: unknown }).managedFields;
  return {
    generation: run.metadata.generation ?? 0,
    ...(suspend !== undefined ? { suspend: { value: suspend, by: removed ? SUSPEND_REMOVED_BY : `spec:${specFieldManager(managed, 'suspend')}` } } : {}),
    ...(decisions.length > 0 ? { approvals: decisions.map(([step, decision]) => ({ step, decision, by: `spec:${specFieldManager(managed, 'approvals', step)}` })) } : {}),
  };
}
