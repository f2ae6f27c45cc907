/**
 * The orphan sweep: running workflows of our runs are listed by search attribute, a bounded number of pages
 * per tick, resuming where the last tick stopped; a workflow whose run no longer exists (by uid) is asked to
 * cancel with cause Deletion. Nothing is kept in memory but the page token, so it works across restarts
 * (a run deleted while Temporal was down, or while no bridge ran). Only the leader runs it.
 */
import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import type { Logger } from 'pino';
import { searchAttributeKeys } from '../workflows/definitions.js';

/** A running workflow of one of our runs, as its search attributes name it. */
export interface RunningWorkflow {
  workflowId: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface OrphanSweepOptions {
  client: Client;
  /** Watched namespaces; empty: all. */
  namespaces: string[];
  intervalMs: number;
  /** Workflows per visibility page, pages per tick, cancels per tick: the sweep's bounds. */
  pageSize?: number;
  pagesPerTick?: number;
  cancelsPerTick?: number;
  logger: Logger;
  /**
   * What the run of a running workflow is: 'gone' (no run with that uid; confirmed against the apiserver,
   * not just a cache), 'finished' (its status records an end, so its reconcile reads no workflow: it should
   * look again), or 'active'.
   */
  classify: (workflow: RunningWorkflow) => Promise<'gone' | 'finished' | 'active'>;
  /** Asks Temporal to cancel an orphan (cause Deletion, cancelledBy deletion). */
  cancel: (workflow: RunningWorkflow) => Promise<void>;
  /** A finished run whose workflow runs (reset in Temporal, a forced cancel whose terminate failed). */
  onFinishedRunStillRunning: (key: string) => void;
  /** Each visibility page read, for the Temporal read metric. */
  onRead?: () => void;
}

export function visibilityScope(namespaces: string[]): string {
  return namespaces.length > 0 ? ` AND OrchestrationRunNamespace IN (${namespaces.map((n) => `'${n}'`).join(', ')})` : '';
}

export function startOrphanSweep(options: OrphanSweepOptions): { stop(): void } {
  const pageSize = options.pageSize ?? 100;
  const pagesPerTick = options.pagesPerTick ?? 5;
  const cancelsPerTick = options.cancelsPerTick ?? 20;
  const query = `WorkflowType = 'orchestrationRunWorkflow' AND ExecutionStatus = 'Running'${visibilityScope(options.namespaces)}`;
  let nextPageToken: Uint8Array | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function sweepOnce(): Promise<void> {
    let cancels = 0;
    for (let page = 0; page < pagesPerTick && cancels < cancelsPerTick; page++) {
      const response = await options.client.workflowService.listWorkflowExecutions({
        namespace: options.client.options.namespace,
        query,
        pageSize,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      options.onRead?.();
      for (const execution of response.executions ?? []) {
        const attributes = decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields);
        const namespace = attributes.get(searchAttributeKeys.OrchestrationRunNamespace);
        const name = attributes.get(searchAttributeKeys.OrchestrationRunName);
        const uid = attributes.get(searchAttributeKeys.OrchestrationRunUid);
        const workflowId = execution.execution?.workflowId;
        if (!namespace || !name || !uid || !workflowId) continue; // not started by a bridge
        const workflow = { workflowId, namespace, name, uid };
        const kind = await options.classify(workflow);
        if (kind === 'finished') options.onFinishedRunStillRunning(`${namespace}/${name}`);
        if (kind !== 'gone' || cancels >= cancelsPerTick) continue;
        cancels += 1;
        options.logger.info({ workflowId, run: `${namespace}/${name}`, uid }, 'orphaned workflow: its run is gone; cancelling it');
        await options.cancel(workflow);
      }
      // A page cut short by the cancel bound is read again next tick (cancelling twice is idempotent).
      if (cancels >= cancelsPerTick) return;
      nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
      if (!nextPageToken) return; // a full pass: the next tick starts from the top
    }
  }

  const tick = async () => {
    try {
      await sweepOnce();
    } catch (err) {
      // Temporal down: the same page is tried again next tick.
      options.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'orphan sweep failed; trying again later');
    }
  };
  const loop = async () => {
    await tick();
    if (!stopped) timer = setTimeout(() => void loop(), options.intervalMs);
  };
  void loop();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
