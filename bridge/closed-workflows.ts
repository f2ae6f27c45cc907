/**
 * Notices workflows that closed from outside (terminate, timeout, cancel in Temporal) without polling each
 * running run: one visibility query per interval for workflows of our runs closed since the last look.
 */
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { searchAttributeKeys } from '../workflows/definitions.js';
import { visibilityScope } from './orphan-sweep.js';

/** How far each look reaches back before the last one. */
const OVERLAP_MS = 10_000;
/** Bound on the closes remembered within one overlap; beyond it, a close may be reported twice (harmless). */
const MAX_REPORTED = 100_000;

export function watchClosedWorkflows(options: {
  client: Client;
  namespaces: string[];
  intervalMs: number;
  logger: Logger;
  onClosed: (key: string) => void;
  /** Each visibility query, for the Temporal read metric. */
  onRead?: () => void;
}): { stop(): void } {
  // Overlap the windows by a few seconds: visibility is eventually consistent. A close already reported is
  // not reported again while the overlap still lists it (it would cost a reconcile pass each second).
  let since = new Date(Date.now() - 60_000);
  const reported = new Map<string, number>(); // workflow run id → its close time (ms), for closes still in the window
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const scope = visibilityScope(options.namespaces);
  const tick = async () => {
    const from = new Date(since.getTime() - OVERLAP_MS);
    const now = new Date();
    try {
      const query = `WorkflowType = 'orchestrationRunWorkflow' AND ExecutionStatus != 'Running' AND CloseTime > '${from.toISOString()}'${scope}`;
      options.onRead?.();
      for await (const wf of options.client.workflow.list({ query })) {
        const ns = wf.typedSearchAttributes.get(searchAttributeKeys.OrchestrationRunNamespace);
        const name = wf.typedSearchAttributes.get(searchAttributeKeys.OrchestrationRunName);
        if (!ns || !name || reported.has(wf.runId)) continue;
        if (reported.size < MAX_REPORTED) reported.set(wf.runId, wf.closeTime?.getTime() ?? now.getTime());
        options.onClosed(`${ns}/${name}`);
      }
      since = now; // only after a successful look: a visibility outage must not open a gap
      // Closes before the next window's start are never listed again.
      const nextFrom = since.getTime() - OVERLAP_MS;
      for (const [runId, closedAt] of reported) if (closedAt < nextFrom) reported.delete(runId);
    } catch (err) {
      options.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'could not list closed workflows');
    }
    if (!stopped) timer = setTimeout(() => void tick(), options.intervalMs);
  };
  void tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
