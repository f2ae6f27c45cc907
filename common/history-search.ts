/** Finds the newest history event of a workflow run that matches, reading its history backwards page by page. */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * The first result of `match` over the run's events, newest first; undefined when none matches within
 * `maxPages` pages of `pageSize` events (what is looked for is near the end: a bound, not a scan of 50,000).
 */
export async function findNewestEvent<T>(
  client: Client,
  execution: { workflowId: string; runId: string },
  match: (event: HistoryEvent) => T | undefined,
  options: { maxPages: number; pageSize: number; onPage?: () => void },
): Promise<T | undefined> {
  let nextPageToken: Uint8Array | undefined;
  for (let page = 0; page < options.maxPages; page++) {
    options.onPage?.();
    const response = await client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: client.options.namespace,
      execution,
      maximumPageSize: options.pageSize,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const event of response.history?.events ?? []) {
      const found = match(event);
      if (found !== undefined) return found;
    }
    if (!response.nextPageToken?.length) return undefined;
    nextPageToken = response.nextPageToken;
  }
  return undefined;
}
