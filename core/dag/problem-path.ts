/**
 * Where in a spec a step problem is: the field path a user edits (`spec.steps[2].dependsOn[0]`,
 * `spec.finally[0].activity.input.url`), found from the problem and the step lists it was found in.
 */
import { findReferences, type TemplateRef } from './templates.js';
import type { SpecProblem, ValidatableStep } from './validate.js';

/** The field paths of the two lists, e.g. `spec.steps` of a run or `Orchestration t: spec.steps` of its template. */
export interface ListPaths {
  steps: string;
  finally: string;
}

const refText = (ref: TemplateRef): string => {
  switch (ref.kind) {
    case 'param':
      return `{{params.${ref.name}}}`;
    case 'output':
      return `{{steps.${ref.step}.output}}`;
    case 'stepPhase':
      return `{{steps.${ref.step}.phase}}`;
    case 'runPhase':
      return '{{run.phase}}';
    case 'invalid':
      return ref.text;
  }
};

/** The templated fields of a step with their paths, as stepReferences reads them. */
function templatedFields(step: ValidatableStep): [string, unknown][] {
  return [
    ['activity.input', step.activity?.input],
    ['job', step.job],
    ['approval.message', step.approval?.message],
    ['orchestration.parameters', step.orchestration?.parameters],
  ];
}

/** The path of the first string under `value` holding the reference `text`. */
function findText(value: unknown, path: string, text: string): string | undefined {
  if (typeof value === 'string') return findReferences(value).some((ref) => refText(ref) === text) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findText(item, `${path}[${i}]`, text);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = findText(item, /^[A-Za-z_][\w-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, text);
      if (found) return found;
    }
  }
  return undefined;
}

function referencePath(list: readonly ValidatableStep[], base: string, stepName: string, text: string): string {
  let first: number | undefined;
  for (const [i, step] of list.entries()) {
    if (step.name !== stepName) continue;
    first ??= i;
    for (const [field, value] of templatedFields(step)) {
      const found = findText(value, `${base}[${i}].${field}`, text);
      if (found) return found;
    }
  }
  return first === undefined ? base : `${base}[${first}]`;
}

function indexOf(list: readonly ValidatableStep[], name: string): number {
  return list.findIndex((s) => s.name === name);
}

function dependsOnPath(list: readonly ValidatableStep[], base: string, stepName: string, dependsOn: string): string {
  for (const [i, step] of list.entries()) {
    const k = step.name === stepName ? (step.dependsOn ?? []).indexOf(dependsOn) : -1;
    if (k >= 0) return `${base}[${i}].dependsOn[${k}]`;
  }
  const i = indexOf(list, stepName);
  return i < 0 ? base : `${base}[${i}]`;
}

/** The path of `problem`, found in `steps` (and `finallySteps` for the problems of finally steps). */
export function problemPath(problem: SpecProblem, steps: readonly ValidatableStep[], finallySteps: readonly ValidatableStep[], paths: ListPaths): string {
  const within = (list: readonly ValidatableStep[], base: string, p: SpecProblem): string => {
    switch (p.kind) {
      case 'duplicate':
        // The step that repeats the name is the one to rename.
        return `${base}[${p.index}].name`;
      case 'missing':
        return dependsOnPath(list, base, p.step, p.dependsOn);
      case 'cycle':
        // The second step of the path waits for the first: the edge that closes the loop in execution order.
        return p.cycle.length > 1 ? dependsOnPath(list, base, p.cycle[1]!, p.cycle[0]!) : base;
      case 'unknownParameter':
        return referencePath(list, base, p.step, `{{params.${p.parameter}}}`);
      case 'outputNotAncestor':
        return referencePath(list, base, p.step, `{{steps.${p.ref}.output}}`);
      case 'invalidReference':
      case 'finallyOnlyReference':
        return referencePath(list, base, p.step, p.text);
      case 'reservedActivity': {
        const i = indexOf(list, p.step);
        return i < 0 ? base : `${base}[${i}].activity.name`;
      }
      case 'finallyNameTaken': {
        const i = indexOf(finallySteps, p.step);
        return i < 0 ? paths.finally : `${paths.finally}[${i}].name`;
      }
      case 'finallyUnknownStep':
        return referencePath(finallySteps, paths.finally, p.step, `{{steps.${p.ref}.${p.field}}}`);
      case 'inFinally':
        return within(finallySteps, paths.finally, p.problem);
    }
  };
  return within(steps, paths.steps, problem);
}
