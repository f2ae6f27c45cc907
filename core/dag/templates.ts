/**
 * `{{params.NAME}}` and `{{steps.NAME.output}}`, and in finally steps `{{steps.NAME.phase}}` and
 * `{{run.phase}}`: finding the references and substituting them.
 */

const REFERENCE = /\{\{\s*(params|steps|run)\.([A-Za-z0-9_-]+)(\.output|\.phase)?\s*\}\}/g;
/** Anything that looks like a template: a typo such as {{param.x}} must be an error, not literal text. */
const ANY_TEMPLATE = /\{\{[^{}]*\}\}/g;

export type TemplateRef =
  | { kind: 'param'; name: string }
  | { kind: 'output'; step: string }
  /** Finally steps only: how a step ended, and how the DAG ended. */
  | { kind: 'stepPhase'; step: string }
  | { kind: 'runPhase' }
  | { kind: 'invalid'; text: string };

function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* strings(item);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) yield* strings(item);
}

/** All references in the strings of a JSON value (object keys are not templated). */
export function findReferences(value: unknown): TemplateRef[] {
  const refs: TemplateRef[] = [];
  for (const text of strings(value)) {
    for (const [whole] of text.matchAll(ANY_TEMPLATE)) {
      const match = new RegExp(`^${REFERENCE.source}$`).exec(whole);
      const [, scope, name, field] = match ?? [];
      if (scope === 'params' && name && field === undefined) refs.push({ kind: 'param', name });
      else if (scope === 'steps' && name && field === '.output') refs.push({ kind: 'output', step: name });
      else if (scope === 'steps' && name && field === '.phase') refs.push({ kind: 'stepPhase', step: name });
      else if (scope === 'run' && name === 'phase' && field === undefined) refs.push({ kind: 'runPhase' });
      else refs.push({ kind: 'invalid', text: whole });
    }
  }
  return refs;
}

export interface TemplateValues {
  params: Readonly<Record<string, string>>;
  outputs: Readonly<Record<string, string | undefined>>;
  /** Finally steps: each step's phase, and the phase the DAG ended with. */
  phases?: Readonly<Record<string, string>>;
  runPhase?: string;
}

/** A deep copy of `value` with every reference replaced; an output that does not exist becomes "". */
export function substitute<T>(value: T, values: TemplateValues): T {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (whole, scope: string, name: string, field: string | undefined) => {
      if (scope === 'params' && field === undefined) return values.params[name] ?? whole;
      if (scope === 'steps' && field === '.output') return values.outputs[name] ?? '';
      if (scope === 'steps' && field === '.phase' && values.phases) return values.phases[name] ?? '';
      if (scope === 'run' && name === 'phase' && field === undefined && values.runPhase !== undefined) return values.runPhase;
      return whole;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => substitute(item, values)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, values)])) as T;
  }
  return value;
}
