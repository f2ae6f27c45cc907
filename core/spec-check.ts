/**
 * The validation path of the bridge, pure: the object as the apiserver stored it is parsed with the zod
 * schema, then its steps are checked with the DAG rules. Every problem is one line naming where it is.
 */
import { issueProblems, type FieldProblem } from './api/issues.js';
import { OrchestrationSchema, type Orchestration } from './api/orchestration.js';
import { OrchestrationRunSchema, type OrchestrationRun } from './api/orchestration-run.js';
import { problemPath, type ListPaths } from './dag/problem-path.js';
import { describeProblem, validateFinally, validateSteps, type SpecProblem, type ValidatableStep } from './dag/validate.js';

/**
 * problems: one line each, as the bridge reports them; fields: the same problems each with its field path, as
 * `kubectl orch lint` prints them.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[]; fields: FieldProblem[] };

function parsed<T>(result: { success: true; data: T } | { success: false; error: Parameters<typeof issueProblems>[0] }): Checked<T> {
  if (result.success) return { ok: true, value: result.data };
  const found = issueProblems(result.error);
  // zod always names at least one issue; the guard keeps "invalid" from ever meaning "no reason given".
  const fields = found.length > 0 ? found : [{ path: '(root)', message: 'does not match the schema' }];
  return { ok: false, problems: fields.map((f) => `${f.path}: ${f.message}`), fields };
}

const stepsChecked = <T>(value: T, findings: StepFinding[]): Checked<T> =>
  findings.length > 0 ? { ok: false, problems: findings.map((f) => f.message), fields: findings } : { ok: true, value };

/** An OrchestrationRun as stored (the informer's copy is not modified): the schema only. */
export function parseRun(raw: unknown): Checked<OrchestrationRun> {
  return parsed(OrchestrationRunSchema.safeParse(structuredClone(raw)));
}

/** An Orchestration as stored: the schema only. */
export function parseOrchestration(raw: unknown): Checked<Orchestration> {
  return parsed(OrchestrationSchema.safeParse(structuredClone(raw)));
}

/** A problem of a step list and the field path it is at (core/dag/problem-path.ts). */
export type StepFinding = FieldProblem;

const RUN_PATHS: ListPaths = { steps: 'spec.steps', finally: 'spec.finally' };

/**
 * The DAG rules on a step list, every problem with its path. A template's parameters come from its runs, so an
 * Orchestration is not faulted for a {{params.NAME}}; each run using it is checked with its own parameters
 * when it starts.
 */
export function stepFindings(
  steps: readonly ValidatableStep[],
  parameters: Readonly<Record<string, string>> | 'template',
  finallySteps: readonly ValidatableStep[] = [],
  paths: ListPaths = RUN_PATHS,
): StepFinding[] {
  const params = parameters === 'template' ? {} : parameters;
  const result = validateSteps(steps, params);
  const found: SpecProblem[] = result.ok ? [] : [...result.problems];
  if (finallySteps.length > 0) {
    const fin = validateFinally(finallySteps, steps.map((s) => s.name), params);
    if (!fin.ok) found.push(...fin.problems);
  }
  const unknownParameter = (p: SpecProblem): boolean => p.kind === 'unknownParameter' || (p.kind === 'inFinally' && unknownParameter(p.problem));
  const problems = parameters === 'template' ? found.filter((p) => !unknownParameter(p)) : found;
  return [
    ...problems.map((p) => ({ path: problemPath(p, steps, finallySteps, paths), message: describeProblem(p) })),
    ...orchestrationStepProblems(steps, paths.steps),
    ...orchestrationStepProblems(finallySteps, paths.finally),
  ];
}

/** The DAG rules on a step list, one line per problem (the bridge's status message and Event). */
export function stepProblems(
  steps: readonly ValidatableStep[],
  parameters: Readonly<Record<string, string>> | 'template',
  finallySteps: readonly ValidatableStep[] = [],
): string[] {
  return stepFindings(steps, parameters, finallySteps).map((f) => f.message);
}

/**
 * An orchestration step runs a whole child run: a step's timeoutSeconds and retry would not bound or repeat
 * it, so they are refused rather than ignored (the child's Orchestration has activeDeadlineSeconds).
 */
function orchestrationStepProblems(steps: readonly ValidatableStep[], base: string): StepFinding[] {
  return steps.flatMap((step, i) => {
    if ((step as { orchestration?: unknown }).orchestration === undefined) return [];
    const given = (['timeoutSeconds', 'retry'] as const).filter((field) => (step as unknown as Record<string, unknown>)[field] !== undefined);
    if (given.length === 0) return [];
    return [{
      path: `${base}[${i}].${given[0]}`,
      message: `step ${step.name}: ${given.join(' and ')} ${given.length > 1 ? 'do' : 'does'} not apply to an orchestration step; bound its child run with its Orchestration's activeDeadlineSeconds`,
    }];
  });
}

/** An Orchestration: schema, then its steps as a template. */
export function checkOrchestration(raw: unknown): Checked<Orchestration> {
  const schema = parseOrchestration(raw);
  if (!schema.ok) return schema;
  return stepsChecked(schema.value, stepFindings(schema.value.spec.steps, 'template', schema.value.spec.finally));
}

/** A run with inline steps: schema, then its steps with its parameters (a run by reference is checked at start). */
export function checkRun(raw: unknown): Checked<OrchestrationRun> {
  const schema = parseRun(raw);
  if (!schema.ok || !schema.value.spec.steps) return schema;
  return stepsChecked(schema.value, stepFindings(schema.value.spec.steps, schema.value.spec.parameters ?? {}, schema.value.spec.finally));
}
