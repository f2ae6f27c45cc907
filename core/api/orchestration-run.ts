/** OrchestrationRun: one execution of a DAG, mirrored into exactly one Temporal workflow. */
import { z } from 'zod';
import { ObjectMetaSchema } from './meta.js';
import { API_GROUP_VERSION, ORCHESTRATION_RUN_KIND } from './names.js';
import { OrchestrationRunStatusSchema } from './orchestration-run-status.js';
import { RetentionFields, SchedulingFields } from './policy.js';
import { APPROVAL_DECISIONS } from './names.js';
import { DEPENDS_ON_KNOWN_RULE, FINALLY_RULES, FinallyListSchema, MAX_PARAMETERS, PARAMETER_NAME, parametersSchema, STEP_NAMES_UNIQUE_RULE, StepListSchema, StepNameSchema } from './step.js';

/** Decisions in spec.approvals, at most. */
export const MAX_APPROVALS = 256;
/** spec.priority lies within ±MAX_PRIORITY. */
export const MAX_PRIORITY = 1000;
/** Steps named in spec.rerun, at most. */
export const MAX_RERUN = 256;

/** Parameter names are identifiers so that {{params.NAME}} is unambiguous (rules in step.ts, shared with child runs' parameters). */
export { MAX_PARAMETERS, PARAMETER_NAME };

/** Spec fields frozen at creation; cancel, suspend, approvals, priority and the ttl fields are the only ones that may change. */
export const IMMUTABLE_RUN_SPEC_FIELDS = [
  'orchestrationRef',
  'steps',
  'parameters',
  'triggerKey',
  'parallelism',
  'failFast',
  'cancellationPolicy',
  'finally',
  'activeDeadlineSeconds',
  'resumeFrom',
  'rerun',
] as const;

const immutableMessage = (field: string) =>
  `spec.${field} is immutable after creation (only spec.cancel, spec.suspend, spec.approvals, spec.priority and the ttl fields may change)`;

/** On the spec: an immutable field may be neither added nor removed. */
const presenceRules = IMMUTABLE_RUN_SPEC_FIELDS.map((field) => ({
  rule: `has(self.${field}) == has(oldSelf.${field})`,
  message: immutableMessage(field),
  fieldPath: `.${field}`,
}));

/** On the field itself: a transition rule, evaluated when the field exists before and after. */
const unchanged = (field: (typeof IMMUTABLE_RUN_SPEC_FIELDS)[number]) => ({
  'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: immutableMessage(field) }],
});

export const OrchestrationRunSpecSchema = z
  .object({
    orchestrationRef: z
      .object({ name: z.string().min(1).max(253).describe('Name of an Orchestration in the run namespace.') })
      .meta(unchanged('orchestrationRef'))
      .optional(),
    steps: StepListSchema.meta(unchanged('steps')).optional(),
    resumeFrom: z
      .object({ name: z.string().min(1).max(253).describe('A finished run (Failed or Cancelled) of this namespace.') })
      .optional()
      .describe("Resume that run: its steps that Succeeded, unchanged, are not run again (Succeeded, reused, with their outputs); the rest run. Its steps, parameters and policy apply unless this run gives its own.")
      .meta(unchanged('resumeFrom')),
    rerun: z
      .array(StepNameSchema)
      .min(1)
      .max(MAX_RERUN)
      .optional()
      .describe('With resumeFrom: steps to run again although they Succeeded (their dependents run again too).')
      .meta(unchanged('rerun')),
    finally: FinallyListSchema.meta(unchanged('finally')).optional(),
    parameters: parametersSchema(MAX_PARAMETERS, 'String parameters, substituted as {{params.NAME}}.', unchanged('parameters')['x-kubernetes-validations']),
    triggerKey: z
      .string()
      .max(253)
      .optional()
      .describe('Runs of one Orchestration with one triggerKey retrigger each other.')
      .meta(unchanged('triggerKey')),
    parallelism: SchedulingFields.parallelism.meta(unchanged('parallelism')),
    failFast: SchedulingFields.failFast.meta(unchanged('failFast')),
    cancellationPolicy: SchedulingFields.cancellationPolicy.meta(unchanged('cancellationPolicy')),
    activeDeadlineSeconds: SchedulingFields.activeDeadlineSeconds.meta(unchanged('activeDeadlineSeconds')),
    cancel: z.boolean().optional().describe('true requests cancellation of the run (seed 000).'),
    priority: z
      .int()
      .min(-MAX_PRIORITY)
      .max(MAX_PRIORITY)
      .optional()
      .describe('Place in a concurrency queue: higher leaves first, equal ones first-in first-out. Default 0. May change while the run is queued.'),
    suspend: z.boolean().optional().describe('true starts no new step (running ones go on) until false; the deadline keeps counting.'),
    approvals: z
      .record(StepNameSchema, z.enum(APPROVAL_DECISIONS))
      .refine((decisions) => Object.keys(decisions).length <= MAX_APPROVALS, `at most ${MAX_APPROVALS} decisions`)
      .optional()
      .describe('Decisions of approval steps by step name: Approved or Rejected. Who set each is recorded from managedFields.')
      .meta({
        maxProperties: MAX_APPROVALS,
        'x-kubernetes-validations': [
          {
            rule: "self.all(k, size(k) <= 63 && k.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'))",
            message: 'approvals are keyed by step name: a DNS-1123 label',
          },
        ],
      }),
    ...RetentionFields,
  })
  .refine((spec) => (spec.orchestrationRef === undefined) !== (spec.steps === undefined) || (spec.resumeFrom !== undefined && (spec.orchestrationRef === undefined || spec.steps === undefined)), {
    message: 'exactly one of orchestrationRef or steps must be set (with resumeFrom, at most one)',
  })
  .refine((spec) => spec.rerun === undefined || spec.resumeFrom !== undefined, { message: 'rerun needs resumeFrom' })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: 'has(self.orchestrationRef) != has(self.steps) || (has(self.resumeFrom) && !(has(self.orchestrationRef) && has(self.steps)))',
        message: 'exactly one of orchestrationRef or steps must be set (with resumeFrom, at most one)',
      },
      { rule: '!has(self.rerun) || has(self.resumeFrom)', message: 'rerun needs resumeFrom', fieldPath: '.rerun' },
      STEP_NAMES_UNIQUE_RULE,
      DEPENDS_ON_KNOWN_RULE,
      ...FINALLY_RULES,
      ...presenceRules,
    ],
  });
export type OrchestrationRunSpec = z.infer<typeof OrchestrationRunSpecSchema>;

export const OrchestrationRunSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal(ORCHESTRATION_RUN_KIND),
  metadata: ObjectMetaSchema,
  spec: OrchestrationRunSpecSchema,
  status: OrchestrationRunStatusSchema.optional(),
});
export type OrchestrationRun = z.infer<typeof OrchestrationRunSchema>;
