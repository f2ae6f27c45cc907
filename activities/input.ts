/** Activity input is external data: parsed with zod, and a bad input fails the step without retry. */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { describeIssues } from '../core/index.js';

export function parseInput<T extends z.ZodType>(activity: string, schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.nonRetryable(`invalid input for activity "${activity}": ${describeIssues(parsed.error).join('; ')}`, 'InvalidInput');
}
