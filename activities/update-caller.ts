/**
 * updateCaller: who sent an update to a run's workflow. Workflow code does not see the caller of an update;
 * the history does, in the update's accepted event (the identity of the CLI, the UI's user, a client). Read
 * newest first: the update was accepted moments ago.
 */
import { Context } from '@temporalio/activity';

export interface UpdateCallerInput {
  workflowId: string;
  runId: string;
  updateId: string;
}

/** Pages of history read at most, newest first: the accepted event is among the last few. */
const MAX_PAGES = 5;

export async function updateCaller({ workflowId, runId, updateId }: UpdateCallerInput): Promise<string> {
  const { client } = Context.current();
  let nextPageToken: Uint8Array | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 100,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const event of response.history?.events ?? []) {
      const meta = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta;
      if (meta?.updateId === updateId) return `temporal:${meta.identity || 'unknown'}`;
    }
    if (!response.nextPageToken?.length) break;
    nextPageToken = response.nextPageToken;
  }
  return 'temporal:unknown';
}
