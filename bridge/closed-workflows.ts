/**
 * Notices workflows that closed from outside (terminate, timeout, cancel in Temporal) without polling each
 * running run: one visibility query per interval for workflows of our runs closed since the last look.
 */
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { searchAttributeKeys } from '../workflows/definitions.js';
import { visibilityScope } from './orphan-sweep.js';

export function watchClosedWorkflows(options: {
  client: Client;
  namespaces: string[];
  intervalMs: number;
  logger: Logger;
  onClosed: (key: string) => void;
  /** Each visibility query, for the Temporal read metric. */
  onRead?: () => void;
}): { stop(): void } {
  // Overlap the windows by a few seconds: visibility is eventually consistent, and a repeat is harmless.
  let since = new Date(Date.now() - 60_000);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const scope = visibilityScope(options.namespaces);
  const tick = async () => {
    const from = new Date(since.getTime() - 10_000);
    const now = new Date();
    try {
      const query = `WorkflowType = 'orchestrationRunWorkflow' AND ExecutionStatus != 'Running' AND CloseTime > '${from.toISOString()}'${scope}`;
      options.onRead?.();
      for await (const wf of options.client.workflow.list({ query })) {
        const ns = wf.typedSearchAttributes.get(searchAttributeKeys.OrchestrationRunNamespace);
        const name = wf.typedSearchAttributes.get(searchAttributeKeys.OrchestrationRunName);
        if (ns && name) options.onClosed(`${ns}/${name}`);
      }
      since = now; // only after a successful look: a visibility outage must not open a gap
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
