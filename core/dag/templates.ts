/** `{{params.NAME}}` and `{{steps.NAME.output}}`: finding the references and substituting them. */

const REFERENCE = /\{\{\s*(params|steps)\.([A-Za-z0-9_-]+)(\.output)?\s*\}\}/g;
/** Anything that looks like a template: a typo such as {{param.x}} must be an error, not literal text. */
const ANY_TEMPLATE = /\{\{[^{}]*\}\}/g;

export type TemplateRef = { kind: 'param'; name: string } | { kind: 'output'; step: string } | { kind: 'invalid'; text: string };

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
      const [, scope, name, output] = match ?? [];
      if (scope === 'params' && name && output === undefined) refs.push({ kind: 'param', name });
      else if (scope === 'steps' && name && output !== undefined) refs.push({ kind: 'output', step: name });
      else refs.push({ kind: 'invalid', text: whole });
    }
  }
  return refs;
}

export interface TemplateValues {
  params: Readonly<Record<string, string>>;
  outputs: Readonly<Record<string, string | undefined>>;
}

/** A deep copy of `value` with every reference replaced; an output that does not exist becomes "". */
export function substitute<T>(value: T, values: TemplateValues): T {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (whole, scope: string, name: string, output: string | undefined) => {
      if (scope === 'params' && output === undefined) return values.params[name] ?? whole;
      if (scope === 'steps' && output !== undefined) return values.outputs[name] ?? '';
      return whole;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => substitute(item, values)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, values)])) as T;
  }
  return value;
}
