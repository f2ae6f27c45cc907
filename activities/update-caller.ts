/**
 * updateCaller: who sent an update to a run's workflow. Workflow code does not see the caller of an update;
 * the history does, in the update's accepted event (the identity of the CLI, the UI's user, a client). Read
 * newest first: the update was accepted moments ago.
 */
import { Context } from '@temporalio/activity';
import { findNewestEvent } from '../common/history-search.js';

export interface UpdateCallerInput {
  workflowId: string;
  runId: string;
  updateId: string;
}

/** Pages of history read at most, newest first: the accepted event is among the last few. */
const MAX_PAGES = 5;

export async function updateCaller({ workflowId, runId, updateId }: UpdateCallerInput): Promise<string> {
  const found = await findNewestEvent(
    Context.current().client,
    { workflowId, runId },
    (event) => {
      const meta = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta;
      return meta?.updateId === updateId ? `temporal:${meta.identity || 'unknown'}` : undefined;
    },
    { maxPages: MAX_PAGES, pageSize: 100 },
  );
  return found ?? 'temporal:unknown';
}
