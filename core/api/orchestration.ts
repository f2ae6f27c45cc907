/** Orchestration: a reusable DAG template that OrchestrationRuns reference by name. */
import { z } from 'zod';
import { RetentionFields, SchedulingFields } from './policy.js';
import { DEPENDS_ON_KNOWN_RULE, FINALLY_RULES, FinallyListSchema, STEP_NAMES_UNIQUE_RULE, StepListSchema } from './step.js';
import { ObjectMetaSchema } from './meta.js';
import { API_GROUP_VERSION, ORCHESTRATION_KIND } from './names.js';
import { ConditionListSchema } from './orchestration-run-status.js';

/** The largest concurrency.max an Orchestration may set. */
export const MAX_CONCURRENCY = 10_000;

export const ConcurrencySchema = z
  .object({
    max: z
      .int()
      .min(1)
      .max(MAX_CONCURRENCY)
      .describe('Runs of this Orchestration running at once, at most. More wait, Pending with Ready=False/Queued, and start first-in first-out (spec.priority first) as slots free.'),
    perTriggerKey: z.boolean().optional().describe('true: the limit holds for each spec.triggerKey apart (runs without one share one limit). Default false.'),
  })
  .describe('A cap on the running runs of this Orchestration; the bridge queues the rest.');
export type Concurrency = z.infer<typeof ConcurrencySchema>;

export const OrchestrationSpecSchema = z
  .object({
    steps: StepListSchema,
    concurrency: ConcurrencySchema.optional(),
    finally: FinallyListSchema.optional(),
    ...SchedulingFields,
    ttlSecondsAfterFinished: RetentionFields.ttlSecondsAfterFinished.describe(
      'Default retention of its runs, in seconds after they finish.',
    ),
  })
  .meta({ 'x-kubernetes-validations': [STEP_NAMES_UNIQUE_RULE, DEPENDS_ON_KNOWN_RULE, ...FINALLY_RULES] });
export type OrchestrationSpec = z.infer<typeof OrchestrationSpecSchema>;

/** Written only by the bridge: whether the template is valid (Ready), checked before any run uses it. */
export const OrchestrationStatusSchema = z.object({
  observedGeneration: z.int().min(0).optional(),
  conditions: ConditionListSchema.optional(),
});
export type OrchestrationStatus = z.infer<typeof OrchestrationStatusSchema>;

export const OrchestrationSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal(ORCHESTRATION_KIND),
  metadata: ObjectMetaSchema,
  spec: OrchestrationSpecSchema,
  status: OrchestrationStatusSchema.optional(),
});
export type Orchestration = z.infer<typeof OrchestrationSchema>;
