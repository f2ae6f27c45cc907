/** Turns zod issues into lines a user can act on: the field path, then what is wrong with it. */
import type { z } from 'zod';

function path(parts: readonly PropertyKey[]): string {
  return parts.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

/** A problem of an object and the field path it is at ("(root)" for the object itself). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** Each zod issue as the field it is at and what is wrong with it. */
export function issueProblems(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldProblem[] {
  const found: FieldProblem[] = [];
  for (const issue of error.issues) {
    const at = path([...prefix, ...issue.path]) || '(root)';
    if (issue.code === 'invalid_key' || issue.code === 'invalid_element') {
      for (const inner of issue.issues) found.push({ path: at, message: `invalid ${issue.code === 'invalid_key' ? 'key' : 'value'}: ${inner.message}` });
    } else found.push({ path: at, message: issue.message });
  }
  return found;
}

/** One line per problem, e.g. "spec.parameters.a-b: invalid key: parameter names must match …". */
export function describeIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  return issueProblems(error, prefix).map((p) => `${p.path}: ${p.message}`);
}
