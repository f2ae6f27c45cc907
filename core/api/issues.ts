/** Turns zod issues into lines a user can act on: the field path, then what is wrong with it. */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

function path(parts: readonly PropertyKey[]): string {
  return parts.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

/** One line per problem, e.g. "spec.parameters.a-b: invalid key: parameter names must match …". */
export function describeIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  const lines: string[] = [];
  const visit = (issue: Issue, base: readonly PropertyKey[]) => {
    const at = [...base, ...issue.path];
    if (issue.code === 'invalid_key' || issue.code === 'invalid_element') {
      for (const inner of issue.issues) lines.push(`${path(at) || '(root)'}: invalid ${issue.code === 'invalid_key' ? 'key' : 'value'}: ${inner.message}`);
      return;
    }
    lines.push(`${path(at) || '(root)'}: ${issue.message}`);
  };
  for (const issue of error.issues) visit(issue, prefix);
  return lines;
}
