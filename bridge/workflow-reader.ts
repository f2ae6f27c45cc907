/** Reads a run's workflow from Temporal into a WorkflowView for decide(). */
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { optionalTsToDate } from '@temporalio/common/lib/time.js';
// @temporalio/proto is CommonJS: under plain Node ESM only its default export is reliable.
import proto from '@temporalio/proto';
import { cancelRequestFromHistory, type CancelRequest, type RunPhase } from '../core/index.js';
import { findNewestEvent } from '../common/history-search.js';
import type { WorkflowView } from './types.js';

const CLOSE_EVENT = proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;

/** Reads from Temporal give up after this long, so a Temporal outage cannot stall a reconcile pass. */
export const TEMPORAL_READ_DEADLINE_MS = 5000;

/**
 * Temporal reads that are over by a deadline (epoch ms), answered or not. The gRPC deadline alone does not
 * hold: the client's retry of an unavailable server waits up to 5 s between attempts, past it. A read given
 * up on keeps running in the client until its next attempt meets the gRPC deadline (or the connection
 * closes: common/temporal-connection.ts ends it then).
 */
export class DeadlineReads {
  constructor(private readonly client: Client) {}

  async read<T>(deadline: number, read: () => Promise<T>): Promise<T> {
    const attempt = this.client.withDeadline(deadline, read);
    const timer = new AbortController();
    const expired = delay(Math.max(0, deadline - Date.now()), undefined, { signal: timer.signal }).then(
      () => Promise.reject(new Error(`Temporal did not answer within the read deadline (${new Date(deadline).toISOString()})`)),
      () => undefined as never, // cleared: the read settled first
    );
    try {
      return await Promise.race([attempt, expired]);
    } finally {
      timer.abort();
    }
  }
}

export interface ReadOptions {
  needCancelRequest?: boolean;
  /** Each call to Temporal, by name, for the Temporal read metric. */
  onRead?: (call: 'describe' | 'closeEvent' | 'historyReverse') => void;
}

export async function readWorkflow(client: Client, workflowId: string, options: ReadOptions = {}): Promise<WorkflowView> {
  let description;
  try {
    options.onRead?.('describe');
    description = await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { found: false };
    throw err;
  }
  const status = description.status.name;
  const view: Extract<WorkflowView, { found: true }> = {
    found: true,
    runId: description.runId,
    status,
    ...(description.closeTime ? { closeTime: description.closeTime.toISOString() } : {}),
  };
  if (status === 'RUNNING') return view;
  // The close event says how it ended: result, failure, terminate reason.
  options.onRead?.('closeEvent');
  const history = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId: description.runId },
    historyEventFilterType: CLOSE_EVENT,
  });
  const event = history.history?.events?.[0];
  if (event?.workflowExecutionCompletedEventAttributes) {
    const payload = event.workflowExecutionCompletedEventAttributes.result?.payloads?.[0];
    const result = payload ? defaultPayloadConverter.fromPayload<{ phase?: RunPhase; stepCounts?: { succeeded: number; total: number } }>(payload) : undefined;
    if (result?.phase) view.resultPhase = result.phase;
    if (result?.stepCounts) view.message = `${result.stepCounts.succeeded} of ${result.stepCounts.total} steps succeeded`;
  } else if (event?.workflowExecutionFailedEventAttributes) {
    const failure = event.workflowExecutionFailedEventAttributes.failure;
    view.message = failure?.message ?? undefined;
    view.failureType = failure?.applicationFailureInfo?.type ?? undefined;
  } else if (event?.workflowExecutionTerminatedEventAttributes) {
    view.message = event.workflowExecutionTerminatedEventAttributes.reason ?? undefined;
  } else if (event?.workflowExecutionCanceledEventAttributes) {
    view.message = 'workflow cancelled in Temporal';
    if (options.needCancelRequest !== false) {
      const requested = await findCancelRequest(client, workflowId, description.runId, options.onRead);
      if (requested) view.cancelRequest = requested;
    }
  }
  return view;
}

/** Pages of the history read backwards while looking for the cancel request (it is near the end). */
const MAX_REVERSE_PAGES = 20;

/** Who asked for the cancel, and when: the WorkflowExecutionCancelRequested event, read from the end. */
function findCancelRequest(client: Client, workflowId: string, runId: string, onRead: ReadOptions['onRead']): Promise<(CancelRequest & { at?: string }) | undefined> {
  return findNewestEvent(
    client,
    { workflowId, runId },
    (event) => {
      const attributes = event.workflowExecutionCancelRequestedEventAttributes;
      if (!attributes) return undefined;
      const at = optionalTsToDate(event.eventTime);
      return { ...cancelRequestFromHistory(attributes.cause ?? undefined, attributes.identity ?? undefined, attributes.externalWorkflowExecution?.workflowId ?? undefined), ...(at ? { at: at.toISOString() } : {}) };
    },
    { maxPages: MAX_REVERSE_PAGES, pageSize: 500, onPage: () => onRead?.('historyReverse') },
  );
}
