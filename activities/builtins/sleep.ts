/** `sleep` ({seconds}): waits, and stops as soon as the step is cancelled. */
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { parseInput } from '../input.js';

const SleepInput = z.object({ seconds: z.number().min(0).max(7 * 24 * 3600) });

export async function sleep(input: unknown): Promise<string> {
  const { seconds } = parseInput('sleep', SleepInput, input);
  // Context.sleep rejects with the cancellation as soon as a heartbeat response carries it.
  await Context.current().sleep(seconds * 1000);
  return `slept ${seconds}s`;
}
