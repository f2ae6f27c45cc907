/**
 * Validation of a run's steps before anything starts: the graph rules plus template references. The
 * bridge rejects invalid runs with these messages; the workflow trusts a validated snapshot.
 */
import { ancestors, buildDag, type Dag, type GraphProblem, type GraphStep } from './graph.js';
import { RESERVED_ACTIVITY_NAMES } from '../step-activity.js';
import { findReferences } from './templates.js';

export interface ValidatableStep extends GraphStep {
  activity?: { name: string; input?: Record<string, unknown> | undefined } | undefined;
  job?: unknown;
  approval?: { message?: string | undefined } | undefined;
  orchestration?: { name: string; parameters?: Record<string, string> | undefined } | undefined;
}

export type SpecProblem =
  | GraphProblem
  | { kind: 'unknownParameter'; step: string; parameter: string }
  | { kind: 'outputNotAncestor'; step: string; ref: string }
  | { kind: 'invalidReference'; step: string; text: string }
  | { kind: 'reservedActivity'; step: string; activity: string }
  /** {{run.phase}} or {{steps.NAME.phase}} outside a finally step. */
  | { kind: 'finallyOnlyReference'; step: string; text: string }
  /** A finally step named like a step of the DAG: status.steps lists both. */
  | { kind: 'finallyNameTaken'; step: string }
  /** A finally step referring to a step that is neither a step of the DAG nor a finally step it depends on. */
  | { kind: 'finallyUnknownStep'; step: string; ref: string; field: 'output' | 'phase' }
  /** A problem of the finally list (its graph, its references). */
  | { kind: 'inFinally'; problem: SpecProblem };

export type ValidationResult = { ok: true; dag: Dag } | { ok: false; problems: SpecProblem[] };

/** The template references of a step: in its activity input, its job fields, its approval message and its child run's parameters. */
export function stepReferences(step: Pick<ValidatableStep, 'activity' | 'job' | 'approval' | 'orchestration'>) {
  return findReferences([step.activity?.input ?? null, step.job ?? null, step.approval?.message ?? null, step.orchestration?.parameters ?? null]);
}

/** Steps whose output some step references: the outputs a run must keep for its templates. */
export function referencedOutputs(steps: readonly Pick<ValidatableStep, 'activity' | 'job' | 'approval' | 'orchestration'>[]): Set<string> {
  const names = new Set<string>();
  for (const step of steps) for (const ref of stepReferences(step)) if (ref.kind === 'output') names.add(ref.step);
  return names;
}

/** One line per problem, naming the step and the offending name or path. */
export function describeProblem(problem: SpecProblem): string {
  switch (problem.kind) {
    case 'duplicate':
      return `duplicate step name "${problem.name}"`;
    case 'missing':
      return `step "${problem.step}" depends on "${problem.dependsOn}", which is not a step of this run`;
    case 'cycle':
      return `dependency cycle: ${problem.cycle.join(' → ')}`;
    case 'unknownParameter':
      return `step "${problem.step}" uses {{params.${problem.parameter}}}, which is not a parameter of this run`;
    case 'outputNotAncestor':
      return `step "${problem.step}" uses {{steps.${problem.ref}.output}}, but "${problem.ref}" is not a step it depends on (directly or transitively)`;
    case 'invalidReference':
      return `step "${problem.step}" has an invalid reference ${problem.text}; use {{params.NAME}} or {{steps.NAME.output}}`;
    case 'reservedActivity':
      return `step "${problem.step}" names activity "${problem.activity}", which is internal to the worker and cannot be a step`;
    case 'finallyOnlyReference':
      return `step "${problem.step}" uses ${problem.text}, which only finally steps may use (the DAG has not ended while its steps run)`;
    case 'finallyNameTaken':
      return `finally step "${problem.step}" has the name of a step; finally steps and steps share one list of names`;
    case 'finallyUnknownStep':
      return `finally step "${problem.step}" uses {{steps.${problem.ref}.${problem.field}}}, but "${problem.ref}" is neither a step nor a finally step it depends on`;
    case 'inFinally':
      if (problem.problem.kind === 'missing') {
        return `finally step "${problem.problem.step}" depends on "${problem.problem.dependsOn}", which is not a finally step; finally steps may depend only on each other (they run after every step)`;
      }
      return `finally: ${describeProblem(problem.problem)}`;
  }
}

export function describeProblems(problems: readonly SpecProblem[]): string {
  return problems.map(describeProblem).join('; ');
}

/**
 * Validates the graph, then every template reference against the parameters and the step's ancestors. A graph
 * problem does not stop the checks: references are checked on the edges that name a step, so one pass names
 * every problem of a spec.
 */
export function validateSteps(steps: readonly ValidatableStep[], parameters: Readonly<Record<string, string>> = {}): ValidationResult {
  const built = buildDag(steps);
  const dag = built.ok ? built.dag : built.partial;
  const problems: SpecProblem[] = built.ok ? [] : [...built.problems];
  steps.forEach((step, i) => {
    if (step.activity && RESERVED_ACTIVITY_NAMES.includes(step.activity.name)) problems.push({ kind: 'reservedActivity', step: step.name, activity: step.activity.name });
    const refs = stepReferences(step);
    if (refs.length === 0) return;
    let upstream: Set<number> | undefined;
    for (const ref of refs) {
      if (ref.kind === 'invalid') problems.push({ kind: 'invalidReference', step: step.name, text: ref.text });
      else if (ref.kind === 'runPhase') problems.push({ kind: 'finallyOnlyReference', step: step.name, text: '{{run.phase}}' });
      else if (ref.kind === 'stepPhase') problems.push({ kind: 'finallyOnlyReference', step: step.name, text: `{{steps.${ref.step}.phase}}` });
      else if (ref.kind === 'param') {
        if (!Object.hasOwn(parameters, ref.name)) problems.push({ kind: 'unknownParameter', step: step.name, parameter: ref.name });
      } else {
        upstream ??= ancestors(dag, i);
        const at = dag.names.indexOf(ref.step);
        if (at < 0 || !upstream.has(at)) problems.push({ kind: 'outputNotAncestor', step: step.name, ref: ref.step });
      }
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, dag };
}

/**
 * Validates the finally steps of a run whose steps are `stepNames`: their own graph (dependencies only
 * among themselves), names apart from the steps', and references: parameters, {{run.phase}}, and the
 * output and phase of any step or of a finally step they depend on.
 */
export function validateFinally(
  finallySteps: readonly ValidatableStep[],
  stepNames: readonly string[],
  parameters: Readonly<Record<string, string>> = {},
): ValidationResult {
  const built = buildDag(finallySteps);
  const dag = built.ok ? built.dag : built.partial;
  const taken = new Set(stepNames);
  const problems: SpecProblem[] = built.ok ? [] : built.problems.map((problem) => ({ kind: 'inFinally', problem }));
  finallySteps.forEach((step, i) => {
    if (taken.has(step.name)) problems.push({ kind: 'finallyNameTaken', step: step.name });
    if (step.activity && RESERVED_ACTIVITY_NAMES.includes(step.activity.name)) problems.push({ kind: 'inFinally', problem: { kind: 'reservedActivity', step: step.name, activity: step.activity.name } });
    let upstream: Set<number> | undefined;
    for (const ref of stepReferences(step)) {
      if (ref.kind === 'invalid') problems.push({ kind: 'inFinally', problem: { kind: 'invalidReference', step: step.name, text: ref.text } });
      else if (ref.kind === 'param') {
        if (!Object.hasOwn(parameters, ref.name)) problems.push({ kind: 'inFinally', problem: { kind: 'unknownParameter', step: step.name, parameter: ref.name } });
      } else if (ref.kind === 'output' || ref.kind === 'stepPhase') {
        if (taken.has(ref.step)) continue;
        upstream ??= ancestors(dag, i);
        const at = dag.names.indexOf(ref.step);
        if (at < 0 || !upstream.has(at)) problems.push({ kind: 'finallyUnknownStep', step: step.name, ref: ref.step, field: ref.kind === 'output' ? 'output' : 'phase' });
      }
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, dag };
}
