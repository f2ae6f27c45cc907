/** Run-level settings an OrchestrationRun may override from its Orchestration. */
import { z } from 'zod';

export const CANCEL_ACTIONS = ['Cancel', 'Ignore'] as const;

export const CancellationPolicySchema = z
  .object({
    onRetrigger: z
      .enum(CANCEL_ACTIONS)
      .optional()
      .describe('Cancel: a new run with the same triggerKey cancels older active runs. Default Ignore.'),
    onSourceRemoved: z
      .enum(CANCEL_ACTIONS)
      .optional()
      .describe('Cancel: deleting the Orchestration cancels its active runs. Default Ignore.'),
    gracePeriodSeconds: z
      .int()
      .min(0)
      .max(86400)
      .optional()
      .describe('Time steps get to checkpoint after a cancel request. Default 0.'),
  })
  .describe('What cancels a run besides spec.cancel (seed 003).');
export type CancellationPolicy = z.infer<typeof CancellationPolicySchema>;

const ttl = (what: string) =>
  z.int().min(0).max(31536000).nullable().optional().describe(`Seconds after ${what} before the run is deleted; unset keeps it.`);

/** Retention fields (seed 004); with spec.cancel the only ones that may change after creation. */
export const RetentionFields = {
  ttlSecondsAfterFinished: ttl('it finished'),
  ttlSecondsAfterSuccess: ttl('it succeeded (overrides ttlSecondsAfterFinished)'),
  ttlSecondsAfterFailure: ttl('it failed or was cancelled (overrides ttlSecondsAfterFinished)'),
};

export const SchedulingFields = {
  parallelism: z.int().min(0).max(5000).optional().describe('Max steps running at once; 0 = unlimited. Default 0.'),
  failFast: z.boolean().optional().describe('After a failure start no new steps; running ones finish. Default false.'),
  cancellationPolicy: CancellationPolicySchema.optional(),
  activeDeadlineSeconds: z
    .int()
    .min(1)
    .max(31536000)
    .optional()
    .describe(
      'Seconds the run may take from its start, suspended time included. At the deadline running steps are cancelled (with the grace period), unstarted ones Skipped/DeadlineExceeded, finally steps run, and the run ends Failed/DeadlineExceeded. Unset: no limit.',
    ),
};
