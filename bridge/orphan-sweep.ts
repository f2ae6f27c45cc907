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

/** One page of running workflows and the token of the next (undefined: the last page). */
export interface RunningPage {
  workflows: RunningWorkflow[];
  nextPageToken?: Uint8Array;
}

export interface SweepDeps {
  /** Reads one page of running workflows of our runs (Temporal visibility), from the token. */
  listPage: (token: Uint8Array | undefined) => Promise<RunningPage>;
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
  logger: Pick<Logger, 'info' | 'warn'>;
}

/** The sweep's bounds: pages read and cancels sent per tick. */
export interface SweepBounds {
  pagesPerTick: number;
  cancelsPerTick: number;
}

/**
 * One tick: reads at most `pagesPerTick` pages from where the last tick stopped (`state.token`), and sends
 * at most `cancelsPerTick` cancels; a page cut short by that bound is read again next tick (a repeated
 * cancel is idempotent). After the last page the next tick starts from the top. A failure (Temporal down)
 * throws, leaving the token where it was.
 */
/** What a sweep keeps between ticks: where to read next, and the orphans this process already asked to cancel. */
export interface SweepState {
  token?: Uint8Array;
  /** Asked already: passed over (a cancel takes time to end a workflow), so they cannot use up every tick's bound. */
  asked?: Set<string>;
}

/** Forgotten past this many: asked again, which is harmless (a cancel is idempotent). */
const MAX_REMEMBERED = 10_000;

export async function sweepOnce(state: SweepState, deps: SweepDeps, bounds: SweepBounds): Promise<{ cancelled: number; pages: number }> {
  state.asked ??= new Set();
  if (state.asked.size > MAX_REMEMBERED) state.asked.clear();
  let cancelled = 0;
  let pages = 0;
  while (pages < bounds.pagesPerTick) {
    const page = await deps.listPage(state.token);
    pages += 1;
    for (const workflow of page.workflows) {
      const kind = await deps.classify(workflow);
      if (kind === 'finished') deps.onFinishedRunStillRunning(`${workflow.namespace}/${workflow.name}`);
      if (kind !== 'gone' || state.asked.has(workflow.workflowId)) continue;
      if (cancelled >= bounds.cancelsPerTick) return { cancelled, pages }; // the rest of this page next tick
      cancelled += 1;
      state.asked.add(workflow.workflowId);
      deps.logger.info({ workflowId: workflow.workflowId, run: `${workflow.namespace}/${workflow.name}`, uid: workflow.uid }, 'orphaned workflow: its run is gone; cancelling it');
      await deps.cancel(workflow);
    }
    state.token = page.nextPageToken;
    if (!state.token) break; // a full pass: the next tick starts from the top
  }
  return { cancelled, pages };
}

/**
 * Pages of running workflows of our runs in the watched namespaces, by search attribute, on this bridge's task
 * queue: another cluster's bridge sharing the Temporal namespace has runs this apiserver does not know.
 */
export function runningWorkflowPages(client: Client, namespaces: string[], taskQueue: string, pageSize: number, onRead?: () => void): SweepDeps['listPage'] {
  const query = `WorkflowType = 'orchestrationRunWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'${visibilityScope(namespaces)}`;
  return async (token) => {
    const response = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize, ...(token ? { nextPageToken: token } : {}) });
    onRead?.();
    const workflows = (response.executions ?? []).flatMap((execution) => {
      const attributes = decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields);
      const namespace = attributes.get(searchAttributeKeys.OrchestrationRunNamespace);
      const name = attributes.get(searchAttributeKeys.OrchestrationRunName);
      const uid = attributes.get(searchAttributeKeys.OrchestrationRunUid);
      const workflowId = execution.execution?.workflowId;
      // Without them, not a workflow a bridge started.
      return namespace && name && uid && workflowId ? [{ workflowId, namespace, name, uid }] : [];
    });
    return { workflows, ...(response.nextPageToken?.length ? { nextPageToken: response.nextPageToken } : {}) };
  };
}

export function visibilityScope(namespaces: string[]): string {
  return namespaces.length > 0 ? ` AND OrchestrationRunNamespace IN (${namespaces.map((n) => `'${n}'`).join(', ')})` : '';
}

/** Sweeps every `intervalMs` until stop(). */
export function startOrphanSweep(deps: SweepDeps, options: { intervalMs: number; bounds?: Partial<SweepBounds> }): { stop(): void } {
  const bounds: SweepBounds = { pagesPerTick: 5, cancelsPerTick: 20, ...options.bounds };
  const state: SweepState = {};
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    try {
      await sweepOnce(state, deps, bounds);
    } catch (err) {
      // Temporal or the apiserver down: the same page is tried again next tick.
      deps.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'orphan sweep failed; trying again later');
    }
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
