/**
 * The bridge controller: informers feed a keyed queue; reconcile(key) reads the run (informer cache), its
 * Orchestration and its workflow, asks decide() what to do, and has the executor do it.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import {
  isTerminalPhase,
  OrchestrationRunSchema,
  parseOrchestration,
  parseRun,
  pendingCancel,
  workflowIdFor,
  type Orchestration,
  type OrchestrationRun,
  type RunPhase,
} from '../core/index.js';
import { watchClosedWorkflows } from './closed-workflows.js';
import { decide } from './decide.js';
import { createExecutor } from './executor.js';
import { watchRunsAndOrchestrations } from './informers.js';
import type { BridgeMetrics } from './metrics.js';
import type { BridgeSettings, WorkflowView } from './types.js';
import { WorkQueue } from './work-queue.js';
import { readWorkflow } from './workflow-reader.js';
import { createValidityReconciler, ORCHESTRATION_KEY_PREFIX } from './validity-reconciler.js';
import { createValidityWriter } from './validity-writer.js';

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  client: Client;
  settings: BridgeSettings;
  namespaces: string[];
  identity: string;
  logger: Logger;
  metrics: BridgeMetrics;
  workers?: number;
  /** Periodic full resync, as a safety net under the level-based design. */
  resyncMs?: number;
}

const keyOf = (obj: KubernetesObject) => `${obj.metadata?.namespace}/${obj.metadata?.name}`;
const ERROR_BACKOFF_MS = 1000;
/** Reads from Temporal give up after this long, so a Temporal outage cannot stall a reconcile pass. */
const TEMPORAL_READ_DEADLINE_MS = 5000;

export function createController(options: ControllerOptions) {
  const { logger, metrics } = options;
  const watched = watchRunsAndOrchestrations(options.kubeConfig, options.namespaces);
  const queue = new WorkQueue();
  const failures = new Map<string, number>();
  const counted = new Set<string>();
  let stopped = false;

  const validity = createValidityReconciler({ writer: createValidityWriter(options.kubeConfig, options.identity, (kind) => metrics.apiWrites.inc({ kind })), logger });

  const enqueueRun = (obj: KubernetesObject) => queue.add(keyOf(obj));
  const enqueueOrchestration = (obj: KubernetesObject) => queue.add(ORCHESTRATION_KEY_PREFIX + keyOf(obj));
  // A change to an Orchestration concerns the runs that reference it (e.g. one waiting for it to exist).
  const enqueueReferencingRuns = (obj: KubernetesObject) => {
    const namespace = obj.metadata?.namespace ?? '';
    for (const run of watched.runs.list(namespace)) {
      if ((run as unknown as OrchestrationRun).spec?.orchestrationRef?.name === obj.metadata?.name) enqueueRun(run);
    }
  };

  /** The other runs of the same Orchestration with the same triggerKey, from the cache. */
  function triggerSiblings(namespace: string, run: OrchestrationRun): OrchestrationRun[] {
    // Matched on the cached objects first: only the few siblings are parsed, not every run of the namespace.
    return watched.runs
      .list(namespace)
      .filter((obj) => {
        const other = obj as unknown as Partial<OrchestrationRun>;
        return other.metadata?.uid !== run.metadata.uid && other.spec?.triggerKey === run.spec.triggerKey && other.spec?.orchestrationRef?.name === run.spec.orchestrationRef?.name;
      })
      .map((obj) => OrchestrationRunSchema.safeParse(structuredClone(obj)))
      .flatMap((parsed) => (parsed.success ? [parsed.data] : []));
  }

  async function reconcile(key: string): Promise<void> {
    if (key.startsWith(ORCHESTRATION_KEY_PREFIX)) {
      const [namespace, name] = key.slice(ORCHESTRATION_KEY_PREFIX.length).split('/') as [string, string];
      return validity.orchestration(key, watched.orchestrations.get(namespace, name));
    }
    const [namespace, name] = key.split('/') as [string, string];
    const cached = watched.runs.get(namespace, name);
    if (!cached) return; // deleted: nothing holds it any more
    const parsed = parseRun(cached);
    // Never skipped: a run the schema rejects ends Failed/InvalidSpec, written without its spec.
    if (!parsed.ok) return validity.unparsedRun(key, cached, parsed.problems);
    const run = parsed.value;
    let orchestration: Orchestration | undefined;
    let orchestrationProblems: string[] | undefined;
    const ref = run.spec.orchestrationRef?.name;
    if (ref) {
      const cachedTemplate = watched.orchestrations.get(namespace, ref);
      const template = cachedTemplate ? parseOrchestration(cachedTemplate) : undefined;
      if (template?.ok) orchestration = template.value;
      else if (template) orchestrationProblems = template.problems;
    }
    const workflowId = workflowIdFor(run.metadata);
    let workflow: WorkflowView;
    try {
      // Who cancelled is read from the history only until the run records it.
      const needCancelRequest = !run.status?.cancelledBy || pendingCancel(run.status) !== undefined;
      workflow = await options.client.withDeadline(Date.now() + TEMPORAL_READ_DEADLINE_MS, () => readWorkflow(options.client, workflowId, { needCancelRequest }));
    } catch (err) {
      // A run being deleted or cancelled must get there even while Temporal is down: decide() bounds the wait.
      if (!run.metadata.deletionTimestamp && !run.spec.cancel && !pendingCancel(run.status)) throw err;
      workflow = { found: false, error: err instanceof Error ? err.message : String(err) };
    }
    const siblings = run.spec.triggerKey && ref ? triggerSiblings(namespace, run) : undefined;
    const orchestrationExists = ref ? watched.orchestrations.get(namespace, ref) !== undefined : false;
    const actions = decide({ run, orchestration, ...(orchestrationProblems ? { orchestrationProblems } : {}), orchestrationExists, workflow, workflowId, settings: options.settings, now: new Date().toISOString(), ...(siblings ? { siblings } : {}) });
    if (actions.length > 0) logger.debug({ run: key, actions: actions.map((a) => a.type) }, 'reconcile');
    await executor(key).execute(run, workflowId, actions);
    // Counted once per run and process, whoever wrote the end (usually the workflow itself).
    const ended = actions.reduce<RunPhase | undefined>((phase, a) => (a.type === 'patchStatus' && a.status.phase ? a.status.phase : phase), run.status?.phase);
    if (isTerminalPhase(ended) && !counted.has(run.metadata.uid)) {
      counted.add(run.metadata.uid);
      metrics.runsCompleted.inc({ phase: ended });
      // Cancel request (its history event) → the workflow closed, right after it wrote phase Cancelled.
      if (ended === 'Cancelled' && workflow.found && workflow.cancelRequest?.at && workflow.closeTime) {
        metrics.cancelDuration.observe({ forced: 'false' }, (Date.parse(workflow.closeTime) - Date.parse(workflow.cancelRequest.at)) / 1000);
      }
    }
  }

  const executor = (key: string) =>
    createExecutor({
      kubeConfig: options.kubeConfig,
      client: options.client,
      settings: options.settings,
      identity: options.identity,
      requeue: (ms) => queue.addAfter(key, ms),
      onApiWrite: (kind) => metrics.apiWrites.inc({ kind }),
      onWorkflowStarted: (run) => {
        metrics.runsStarted.inc();
        const created = run.metadata.creationTimestamp ? Date.parse(run.metadata.creationTimestamp) : NaN;
        if (!Number.isNaN(created)) metrics.startLatency.observe((Date.now() - created) / 1000);
        logger.info({ run: key, workflowId: workflowIdFor(run.metadata) }, 'workflow started');
      },
      onCancelEnded: (seconds, forced) => {
        if (seconds !== undefined && seconds >= 0) metrics.cancelDuration.observe({ forced: String(forced) }, seconds);
        if (forced) metrics.cancelsForced.inc();
      },
      onCleanupFailed: (_run, what, error) => logger.warn({ run: key, action: what, error }, 'cleanup step failed; going on'),
      onRunDeleted: (_run, reason) => {
        metrics.runsExpired.inc();
        logger.info({ run: key, reason }, 'run deleted: retention ran out');
      },
    });

  async function handle(key: string): Promise<void> {
    try {
      await reconcile(key);
      failures.delete(key);
    } catch (err) {
      const count = (failures.get(key) ?? 0) + 1;
      failures.set(key, count);
      metrics.reconcileErrors.inc();
      logger.warn({ run: key, attempt: count, error: err instanceof Error ? err.message : String(err) }, 'reconcile failed; will retry');
      queue.addAfter(key, Math.min(ERROR_BACKOFF_MS * 2 ** (count - 1), 30_000));
    }
  }

  let resync: NodeJS.Timeout | undefined;
  let closedWatch: { stop(): void } | undefined;
  let running: Promise<void> | undefined;
  return {
    queue,
    /** Starts the informers and the workers; resolves once the caches are filled. */
    async start(): Promise<void> {
      for (const informer of watched.runs.informers) {
        informer.on('add', enqueueRun);
        informer.on('update', enqueueRun);
        informer.on('delete', (obj) => counted.delete(obj.metadata?.uid ?? ''));
      }
      for (const informer of watched.orchestrations.informers) {
        for (const event of ['add', 'update'] as const) {
          informer.on(event, enqueueReferencingRuns);
          informer.on(event, enqueueOrchestration);
        }
        informer.on('delete', enqueueReferencingRuns); // onSourceRemoved
      }
      for (const informer of [...watched.runs.informers, ...watched.orchestrations.informers]) {
        // An informer stops on a watch error; start it again (it relists, which also covers a 410 Gone).
        informer.on('error', (err: unknown) => {
          if (stopped) return; // stop() aborts the watch, which reports as an error
          logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'watch failed; restarting the informer');
          setTimeout(() => {
            if (!stopped) void informer.start().catch(() => undefined);
          }, 1000);
        });
      }
      await Promise.all([...watched.runs.informers, ...watched.orchestrations.informers].map((i) => i.start()));
      running = queue.run(options.workers ?? 16, handle);
      closedWatch = watchClosedWorkflows({ client: options.client, namespaces: options.namespaces, intervalMs: 1000, logger, onClosed: (key) => queue.add(key) });
      resync = setInterval(() => {
        for (const informer of watched.runs.informers) for (const run of informer.list()) enqueueRun(run);
        for (const informer of watched.orchestrations.informers) for (const orchestration of informer.list()) enqueueOrchestration(orchestration);
      }, options.resyncMs ?? 30_000);
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(resync);
      closedWatch?.stop();
      queue.close();
      await Promise.all([...watched.runs.informers, ...watched.orchestrations.informers].map((i) => i.stop()));
      await running;
    },
  };
}
