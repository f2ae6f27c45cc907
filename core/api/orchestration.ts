/** Orchestration: a reusable DAG template that OrchestrationRuns reference by name. */
import { z } from 'zod';
import { RetentionFields, SchedulingFields } from './policy.js';
import { DEPENDS_ON_KNOWN_RULE, StepListSchema } from './step.js';
import { ObjectMetaSchema } from './meta.js';
import { API_GROUP_VERSION, ORCHESTRATION_KIND } from './names.js';

export const OrchestrationSpecSchema = z
  .object({
    steps: StepListSchema,
    ...SchedulingFields,
    ttlSecondsAfterFinished: RetentionFields.ttlSecondsAfterFinished.describe(
      'Default retention of its runs, in seconds after they finish.',
    ),
  })
  .meta({ 'x-kubernetes-validations': [DEPENDS_ON_KNOWN_RULE] });
export type OrchestrationSpec = z.infer<typeof OrchestrationSpecSchema>;

export const OrchestrationSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal(ORCHESTRATION_KIND),
  metadata: ObjectMetaSchema,
  spec: OrchestrationSpecSchema,
});
export type Orchestration = z.infer<typeof OrchestrationSchema>;
