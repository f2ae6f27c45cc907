/** Orchestration: a reusable DAG template that OrchestrationRuns reference by name. */
import { z } from 'zod';
import { RetentionFields, SchedulingFields } from './policy.js';
import { DEPENDS_ON_KNOWN_RULE, FINALLY_RULES, FinallyListSchema, STEP_NAMES_UNIQUE_RULE, StepListSchema } from './step.js';
import { ObjectMetaSchema } from './meta.js';
import { API_GROUP_VERSION, ORCHESTRATION_KIND } from './names.js';
import { ConditionListSchema } from './orchestration-run-status.js';

export const OrchestrationSpecSchema = z
  .object({
    steps: StepListSchema,
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
