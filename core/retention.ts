/**
 * Retention of finished runs (seed 004): how long a finished run stays before the bridge deletes it. The
 * run's own fields win (success/failure before finished), then its Orchestration's, then the bridge
 * default; none of them set keeps the run.
 */
import type { Orchestration } from './api/orchestration.js';
import type { OrchestrationRun } from './api/orchestration-run.js';
import type { RetentionStatus } from './api/orchestration-run-status.js';
import type { RunPhase } from './api/names.js';
import { wholeSeconds } from './run-status.js';

export function retentionOf(
  run: Pick<OrchestrationRun, 'spec'>,
  orchestration: Pick<Orchestration, 'spec'> | undefined,
  phase: RunPhase,
  defaultSeconds: number | undefined,
): Omit<RetentionStatus, 'deleteAt'> | undefined {
  const specific = phase === 'Succeeded' ? ('ttlSecondsAfterSuccess' as const) : ('ttlSecondsAfterFailure' as const);
  // null (a merge patch clearing the field) counts as unset.
  const candidates: [number | null | undefined, RetentionStatus['source']][] = [
    [run.spec[specific], specific],
    [run.spec.ttlSecondsAfterFinished, 'ttlSecondsAfterFinished'],
    [orchestration?.spec.ttlSecondsAfterFinished, 'Orchestration'],
    [defaultSeconds, 'JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS'],
  ];
  for (const [ttlSeconds, source] of candidates) if (ttlSeconds !== undefined && ttlSeconds !== null) return { ttlSeconds, source };
  return undefined;
}

/** completionTime + ttl, in the whole-second RFC 3339 form the status uses. */
export function deleteAtOf(completionTime: string, ttlSeconds: number): string {
  return wholeSeconds(new Date(Date.parse(completionTime) + ttlSeconds * 1000).toISOString());
}
