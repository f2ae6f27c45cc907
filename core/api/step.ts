/** The Step schema shared by Orchestration and OrchestrationRun specs. */
import { z } from 'zod';
import { JobStepSchema } from './job-step.js';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN } from './kubernetes.js';

export const MAX_STEPS = 5000;
/**
 * Upper bound on one step's dependsOn list. The apiserver estimates the cost of the CEL rule that checks
 * every dependency names a step as steps × dependsOn; this bound keeps that estimate inside its budget.
 */
export const MAX_DEPENDENCIES = 250;

export const StepNameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(DNS1123_LABEL, 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending alphanumeric')
  .describe('Step name: a DNS-1123 label, unique within the list.');

export const StepRetrySchema = z
  .object({
    maxAttempts: z.int().min(1).max(100).optional().describe('Attempts in all, including the first. Default 1.'),
    initialIntervalSeconds: z.number().min(0.001).max(86400).optional().describe('Delay before the first retry. Default 1.'),
    backoffCoefficient: z.number().min(1).max(100).optional().describe('Growth of the delay per retry. Default 2.'),
  })
  .describe('Temporal retry policy of the step.');

export const ActivityStepSchema = z
  .object({
    name: z.string().min(1).max(253).describe('Name of an activity registered in the worker, e.g. sleep, fail, http.'),
    input: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Input object of the activity; strings may use {{params.NAME}} and {{steps.NAME.output}}.')
      .meta({ 'x-kubernetes-preserve-unknown-fields': true }),
  })
  .describe('Run a named activity of the worker.');

export const ApprovalStepSchema = z
  .object({
    message: z
      .string()
      .max(1024)
      .optional()
      .describe('What the approver is asked, shown on the step and in the Temporal UI; may use {{params.NAME}} and {{steps.NAME.output}}.'),
  })
  .describe('Wait until spec.approvals (or a Temporal update) approves or rejects the step; timeoutSeconds, when set, bounds the wait.');

/** Parameter names of a run: what {{params.NAME}} can name. */
export const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_PARAMETERS = 256;
/** A parameter value, at most (characters). */
export const MAX_PARAMETER_VALUE = 65536;
/**
 * Parameters an orchestration step passes its child, at most: fewer than a run's own, as the apiserver prices
 * the key rule once per step (5,000 steps × 256 keys is over its budget; × 64 is within).
 */
export const MAX_CHILD_PARAMETERS = 64;

const PARAMETER_NAME_RULE = { rule: "self.all(k, k.matches('^[A-Za-z_][A-Za-z0-9_]*$'))", message: 'parameter names must match [A-Za-z_][A-Za-z0-9_]*' };

/**
 * String parameters keyed by name (run, orchestration step, schedule): at most `max`, each value at most
 * MAX_PARAMETER_VALUE; names checked by zod and by the apiserver alike, and `validations` added to the latter.
 */
export function parametersSchema(max: number, description: string, validations: readonly object[] = []) {
  return z
    .record(z.string().regex(PARAMETER_NAME, 'parameter names must match [A-Za-z_][A-Za-z0-9_]*'), z.string().max(MAX_PARAMETER_VALUE))
    .refine((parameters) => Object.keys(parameters).length <= max, `at most ${max} parameters`)
    .optional()
    .describe(description)
    .meta({ maxProperties: max, 'x-kubernetes-validations': [PARAMETER_NAME_RULE, ...validations] });
}

export const OrchestrationStepSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(253)
      .regex(DNS1123_SUBDOMAIN, 'must be a DNS-1123 subdomain: the name of an Orchestration')
      .describe("An Orchestration in the run's namespace, run as a child OrchestrationRun owned by this run."),
    parameters: parametersSchema(MAX_CHILD_PARAMETERS, 'Parameters of the child run; values may use {{params.NAME}} and {{steps.NAME.output}}.'),
  })
  .describe("Run another Orchestration as a child OrchestrationRun; the step succeeds when the child Succeeded, and its output is the JSON of the child's step outputs by step name.");

export const StepSchema = z
  .object({
    name: StepNameSchema,
    dependsOn: z
      .array(StepNameSchema)
      .max(MAX_DEPENDENCIES)
      .optional()
      .describe('Steps that must end first. When no step of the list declares dependsOn, the list runs in order.'),
    continueOnFailure: z
      .boolean()
      .optional()
      .describe('A failed best-effort step neither skips its dependents nor fails the run. Default false.'),
    timeoutSeconds: z.int().min(1).max(604800).optional().describe('Limit of one attempt. Default 600.'),
    retry: StepRetrySchema.optional(),
    activity: ActivityStepSchema.optional(),
    job: JobStepSchema.optional(),
    approval: ApprovalStepSchema.optional(),
    orchestration: OrchestrationStepSchema.optional(),
  })
  .refine((step) => [step.activity, step.job, step.approval, step.orchestration].filter((kind) => kind !== undefined).length === 1, {
    message: 'exactly one of activity or job (or approval, orchestration) must be set',
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: '(has(self.activity) ? 1 : 0) + (has(self.job) ? 1 : 0) + (has(self.approval) ? 1 : 0) + (has(self.orchestration) ? 1 : 0) == 1',
        message: 'exactly one of activity or job (or approval, orchestration) must be set',
      },
    ],
  });
export type Step = z.infer<typeof StepSchema>;

/**
 * A step list. It is atomic, one value owned by whoever wrote it, not a list-map keyed by name: a list-map
 * costs one managedFields entry per step (655 KB for 5,000 steps, which with the spec and the status
 * passed etcd's 1.5 MiB object limit), and a DAG merged from two appliers' steps is nobody's DAG. The CEL
 * rules on the owning spec keep names unique and check that every dependsOn names a step of the same list.
 */
export const StepListSchema = z
  .array(StepSchema)
  .min(1)
  .max(MAX_STEPS)
  .meta({ 'x-kubernetes-list-type': 'atomic' });

/** Finally steps per list, at most: cleanup and notification, not a second DAG. */
export const MAX_FINALLY_STEPS = 50;

/**
 * Finally steps: run after the DAG ends, however it ends (Succeeded, Failed, Cancelled, the deadline). They
 * may depend on each other (the same sequential fallback as steps) but on no step of the DAG: they run after
 * all of it. Atomic, like the step list.
 */
export const FinallyListSchema = z
  .array(StepSchema)
  .min(1)
  .max(MAX_FINALLY_STEPS)
  .meta({ 'x-kubernetes-list-type': 'atomic' })
  .describe('Steps run after the DAG ends, however it ends; they may read {{run.phase}}, {{steps.NAME.phase}} and {{steps.NAME.output}}.');

// CEL has no let in CRD rules; wrapping a value in a one-element list and using .all()/.map() binds it
// to a name, so the name → true map is built once instead of once per dependency.
const names = (list: string) => `[self.${list}.transformMapEntry(i, s, {s.name: true})]`;

/**
 * CEL: step names of `list` are unique. Building the name map fails on a repeated name, and the apiserver
 * reports that failure with the name, on `spec` ("spec: Invalid value: "object": insert failed: key a already
 * exists evaluating rule: step names must be unique"; fieldPath and reason apply only to a rule that
 * evaluates to false, and the dependsOn rule, which builds the same map, reports the same key beside it);
 * the size comparison keeps the rule right should a CEL version ever overwrite instead.
 */
export function namesUniqueRule(list: 'steps' | 'finally') {
  return {
    rule: `!has(self.${list}) || ${names(list)}.all(names, names.size() == self.${list}.size())`,
    message: `${list === 'steps' ? 'step' : 'finally step'} names must be unique`,
    fieldPath: `.${list}`,
    reason: 'FieldValueDuplicate',
  } as const;
}

/** CEL: every dependsOn entry of `list` names a step of the same list. */
export function dependsOnKnownRule(list: 'steps' | 'finally') {
  return {
    rule: `!has(self.${list}) || ${names(list)}.all(names, self.${list}.all(s, !has(s.dependsOn) || s.dependsOn.all(d, d in names)))`,
    // A messageExpression naming the unknown names is priced far over the apiserver's budget for 5,000
    // steps; the bridge's own validation names them.
    message: `every dependsOn entry must name a step of this list`,
    fieldPath: `.${list}`,
    reason: 'FieldValueInvalid',
  } as const;
}

export const STEP_NAMES_UNIQUE_RULE = namesUniqueRule('steps');
export const DEPENDS_ON_KNOWN_RULE = dependsOnKnownRule('steps');
export const FINALLY_RULES = [namesUniqueRule('finally'), dependsOnKnownRule('finally')] as const;
