/** `fail` ({message}): fails the step, without retry. */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { parseInput } from '../input.js';

const FailInput = z.object({ message: z.string().default('failed on purpose') });

export function fail(input: unknown): Promise<never> {
  const { message } = parseInput('fail', FailInput, input);
  return Promise.reject(ApplicationFailure.nonRetryable(message, 'StepFailed'));
}
