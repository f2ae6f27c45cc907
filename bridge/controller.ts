/**
 * The bridge controller: informers feed a keyed queue; reconcile(key) reads the run (informer cache), its
 * Orchestration and, unless the run's status already records its end, its workflow; asks decide() what to
 * do, has the executor do it, and returns when to look again. The queue owns retries and their backoff.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import {
  isChildRun,
  isTerminalPhase,
  parseOrchestration,
  parseRun,
  pendingCancel,
  ScheduleLabels,
  workflowIdFor,
  type Orchestration,
  type OrchestrationRun,
  type RunPhase,
} from '../core/index.js';
import { createChildRunViews } from './child-runs.js';
import { watchClosedWorkflows } from './closed-workflows.js';
import { releaseDeadline } from './decide-cancel.js';
import { decide } from './decide.js';
import { createExecutor } from './executor.js';
import { isQueued, needsWorkflowRead } from './finished-run.js';
import { isStarting } from './queue-plan.js';
import { createRunQueue } from './run-queue.js';
import { watchRunsAndOrchestrations } from './informers.js';
import type { BridgeMetrics } from './metrics.js';
import { runningWorkflowPages, startOrphanSweep } from './orphan-sweep.js';
import { reconcileHandler, type ReconcileResult } from './reconcile-result.js';
import type { BridgeSettings, WorkflowView } from './types.js';
import { WorkQueue } from './work-queue.js';
import { DeadlineReads, readWorkflow, TEMPORAL_READ_DEADLINE_MS } from './workflow-reader.js';
import { loadResumeSource, RESUME_READ_DEADLINE_MS, type ResumeSource } from './resume-source.js';
import { createValidityReconciler, ORCHESTRATION_KEY_PREFIX } from './validity-reconciler.js';
import { createValidityWriter } from './validity-writer.js';
import { createScheduleReconciler, SCHEDULE_KEY_PREFIX } from './schedule-reconciler.js';
import { startScheduleSweep } from './schedule-sweep.js';

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
  /** How often the orphan sweep looks for running workflows whose run is gone (default 10 s). */
  orphanSweepMs?: number;
  /** How often an OrchestrationSchedule's Temporal Schedule is described again (default SCHEDULE_RESYNC_MS). */
  scheduleResyncMs?: number;
  /** How often Temporal Schedules whose OrchestrationSchedule is gone are looked for (default 60 s). */
  scheduleSweepMs?: number;
}

const keyOf = (obj: KubernetesObject) => `${obj.metadata?.namespace}/${obj.metadata?.name}`;
/** A read at a deleted run's release deadline still gets this long before the run is released anyway. */
const LAST_READ_MS = 500;

export function createController(options: ControllerOptions) {
  const { logger, metrics } = options;
  const reads = new DeadlineReads(options.client);
  const watched = watchRunsAndOrchestrations(options.kubeConfig, options.namespaces);
  const queue = new WorkQueue();
  const counted = new Set<string>();
  /** Finished runs the orphan sweep found with a running workflow: their next reconcile reads it. */
  const mustRead = new Set<string>();
  let stopped = false;

  const allRuns = function* () {
    for (const informer of watched.runs.informers) yield* informer.list();
  };
  const runQueue = createRunQueue({
    namespaceMax: options.settings.concurrency?.namespace,
    clusterMax: options.settings.concurrency?.cluster,
    runs: allRuns,
    orchestrations: function* () {
      for (const informer of watched.orchestrations.informers) yield* informer.list();
    },
    orchestration: (namespace, name) => watched.orchestrations.get(namespace, name),
  });
  /**
   * A slot may have freed (a run ended or went away): the runs the queue now admits are reconciled at once,
   * ahead of the backlog. Coalesced: one plan per burst of events. (A raised concurrency.max reaches the runs
   * of that Orchestration through enqueueReferencingRuns.)
   */
  let kickPending = false;
  const kickQueue = () => {
    if (kickPending) return;
    kickPending = true;
    setImmediate(() => {
      kickPending = false;
      if (stopped || !runQueue.enabled()) return;
      for (const key of runQueue.admittedWaiting()) queue.addFirst(key);
      metrics.runsQueued.set(runQueue.queued());
    });
  };
  const onRunChanged = (obj: KubernetesObject) => {
    runQueue.changed(obj);
    const phase = (obj as Partial<OrchestrationRun>).status?.phase;
    if (isTerminalPhase(phase)) kickQueue();
  };

  const validity = createValidityReconciler({ writer: createValidityWriter(options.kubeConfig, options.identity, (kind) => metrics.apiWrites.inc({ kind })), logger });

  const schedules = createScheduleReconciler({
    kubeConfig: options.kubeConfig,
    client: options.client,
    settings: options.settings,
    identity: options.identity,
    logger,
    getSchedule: (namespace, name) => watched.schedules.get(namespace, name),
    listRuns: (namespace) => watched.runs.list(namespace),
    resyncMs: options.scheduleResyncMs,
    onApiWrite: (kind) => metrics.apiWrites.inc({ kind }),
  });
  const enqueueSchedule = (obj: KubernetesObject) => queue.add(SCHEDULE_KEY_PREFIX + keyOf(obj));
  // A run a schedule made changes what the schedule shows (its recent runs) and may let its history go.
  const enqueueRunsSchedule = (obj: KubernetesObject) => {
    const schedule = obj.metadata?.labels?.[ScheduleLabels.schedule];
    if (schedule) queue.add(`${SCHEDULE_KEY_PREFIX}${obj.metadata?.namespace}/${schedule}`);
  };
  const enqueueRun = (obj: KubernetesObject) => queue.add(keyOf(obj));
  const enqueueOrchestration = (obj: KubernetesObject) => queue.add(ORCHESTRATION_KEY_PREFIX + keyOf(obj));
  const childRuns = createChildRunViews(watched.orchestrations, watched.runs);
  const enqueueNestingOrchestrations = (obj: KubernetesObject) => childRuns.nestingDependents(obj).forEach(enqueueOrchestration);
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
      .map((obj) => parseRun(obj))
      .flatMap((parsed) => (parsed.ok ? [parsed.value] : []));
  }

  /** The run's workflow as Temporal describes it; not read for a finished run whose status records the end. */
  async function observeWorkflow(key: string, run: OrchestrationRun, workflowId: string): Promise<WorkflowView> {
    // A run this process is starting may still read as queued in the cache: its workflow is read, not assumed absent.
    if (!needsWorkflowRead(run) && !mustRead.delete(key) && !runQueue.isReserved(run.metadata.uid ?? '')) return { found: false, notRead: true };
    const now = Date.now();
    // A deleted run is released by its deadline: the read may not outlast it (but gets a last short try).
    const release = releaseDeadline(run, options.settings);
    const deadline = release === undefined ? now + TEMPORAL_READ_DEADLINE_MS : Math.min(now + TEMPORAL_READ_DEADLINE_MS, Math.max(release, now + LAST_READ_MS));
    try {
      // Who cancelled is read from the history only until the run records it.
      const needCancelRequest = !run.status?.cancelledBy || pendingCancel(run.status) !== undefined;
      return await reads.read(deadline, () => readWorkflow(options.client, workflowId, { needCancelRequest, onRead: (call) => metrics.temporalReads.inc({ call }) }));
    } catch (err) {
      // A run being deleted or cancelled must get there even while Temporal is down: decide() bounds the wait.
      if (!run.metadata.deletionTimestamp && !run.spec.cancel && !pendingCancel(run.status)) throw err;
      return { found: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** A run with spec.resumeFrom that is about to start: the run it resumes, read from the cache and Temporal. */
  async function resumeSourceFor(run: OrchestrationRun, workflow: WorkflowView, orchestration: Orchestration | undefined): Promise<ResumeSource | undefined> {
    const from = run.spec.resumeFrom?.name;
    if (!from || workflow.found || run.status?.temporal || isTerminalPhase(run.status?.phase) || run.metadata.deletionTimestamp || run.spec.cancel) return undefined;
    // A run waiting for its Orchestration does not start yet (resolveRun says so first): no Temporal read per pass.
    if (run.spec.orchestrationRef && !orchestration) return undefined;
    // Nor does a run the concurrency queue holds (decide queues it without the resume source).
    if (mayQueue(run, workflow) && runQueue.admission(run)?.admitted === false) return undefined;
    const cached = watched.runs.get(run.metadata.namespace, from);
    const earlier = cached ? parseRun(cached) : undefined;
    if (earlier && !earlier.ok) return { ok: false, problem: `resumeFrom: run "${from}" does not match the schema: ${earlier.problems.join('; ')}` };
    return reads.read(Date.now() + RESUME_READ_DEADLINE_MS, () => loadResumeSource(options.client, run.metadata.namespace, from, earlier?.value));
  }

  /** Before a run starts: whether it has started (its workflow found, or recorded), ended or goes away. */
  const notStarted = (run: OrchestrationRun, workflow: WorkflowView) => !workflow.found && !run.status?.temporal && !isTerminalPhase(run.status?.phase) && !run.metadata.deletionTimestamp;

  /** A run about to start, which a concurrency limit may hold back (one already starting holds its slot). */
  function mayQueue(run: OrchestrationRun, workflow: WorkflowView): boolean {
    // A child run takes no place: its parent holds one, and would wait on its child waiting for a slot.
    if (isChildRun(run)) return false;
    if (workflow.found || run.status?.temporal || isTerminalPhase(run.status?.phase) || run.metadata.deletionTimestamp || isStarting(run)) return false;
    return runQueue.enabled();
  }

  async function reconcile(key: string): Promise<ReconcileResult> {
    metrics.reconciles.inc();
    if (key.startsWith(SCHEDULE_KEY_PREFIX)) {
      const [namespace, name] = key.slice(SCHEDULE_KEY_PREFIX.length).split('/') as [string, string];
      return schedules.reconcile(namespace, name);
    }
    if (key.startsWith(ORCHESTRATION_KEY_PREFIX)) {
      const [namespace, name] = key.slice(ORCHESTRATION_KEY_PREFIX.length).split('/') as [string, string];
      await validity.orchestration(key, watched.orchestrations.get(namespace, name), childRuns.stepsOf(namespace));
      return {};
    }
    const [namespace, name] = key.split('/') as [string, string];
    const cached = watched.runs.get(namespace, name);
    if (!cached) return {}; // deleted: nothing holds it any more
    const parsed = parseRun(cached);
    // Never skipped: a run the schema rejects ends Failed/InvalidSpec, written without its spec.
    if (!parsed.ok) {
      await validity.unparsedRun(key, cached, parsed.problems);
      return {};
    }
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
    const workflow = await observeWorkflow(key, run, workflowId);
    const siblings = run.spec.triggerKey && ref ? triggerSiblings(namespace, run) : undefined;
    const resume = await resumeSourceFor(run, workflow, orchestration);
    const orchestrationExists = ref ? watched.orchestrations.get(namespace, ref) !== undefined : false;
    // Read and, when the run starts, reserved in one tick: no other reconcile can take the same slot between.
    const admission = mayQueue(run, workflow) ? runQueue.admission(run) : undefined;
    const starting = notStarted(run, workflow);
    const parent = starting && isChildRun(run) ? childRuns.parentOf(run) : undefined;
    const nesting = starting && !isChildRun(run) ? childRuns.nestingProblem(run, orchestration) : undefined;
    const { actions, requeueAfterMs } = decide({ run, orchestration, ...(orchestrationProblems ? { orchestrationProblems } : {}), orchestrationExists, workflow, workflowId, settings: options.settings, now: new Date().toISOString(), ...(siblings ? { siblings } : {}), ...(resume ? { resume } : {}), ...(admission ? { admission } : {}), ...(parent ? { parent } : {}), ...(nesting ? { nestingProblem: nesting } : {}) });
    if ((admission?.admitted || isQueued(run)) && actions.some((a) => a.type === 'startWorkflow')) runQueue.reserve(run.metadata.uid ?? '');
    if (admission) metrics.runsQueued.set(runQueue.queued());
    if (actions.length > 0) logger.debug({ run: key, actions: actions.map((a) => a.type), requeueAfterMs }, 'reconcile');
    await executor.execute(run, workflowId, actions);
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
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  }

  const runKey = (run: OrchestrationRun) => `${run.metadata.namespace}/${run.metadata.name}`;
  const executor = createExecutor({
    kubeConfig: options.kubeConfig,
    client: options.client,
    settings: options.settings,
    identity: options.identity,
    onApiWrite: (kind) => metrics.apiWrites.inc({ kind }),
    onWorkflowStarted: (run) => {
      metrics.runsStarted.inc();
      const created = run.metadata.creationTimestamp ? Date.parse(run.metadata.creationTimestamp) : NaN;
      if (!Number.isNaN(created)) metrics.startLatency.observe((Date.now() - created) / 1000);
      logger.info({ run: runKey(run), workflowId: workflowIdFor(run.metadata) }, 'workflow started');
    },
    onCancelEnded: (seconds, forced) => {
      if (seconds !== undefined && seconds >= 0) metrics.cancelDuration.observe({ forced: String(forced) }, seconds);
      if (forced) metrics.cancelsForced.inc();
    },
    onCleanupFailed: (run, what, error) => logger.warn({ run: runKey(run), action: what, error }, 'cleanup step failed; going on'),
    onRunDeleted: (run, reason) => {
      metrics.runsExpired.inc();
      logger.info({ run: runKey(run), reason }, 'run deleted: retention ran out');
    },
  });

  const handle = reconcileHandler(queue, reconcile, {
    onError: (key, err, attempt, delayMs) => {
      metrics.reconcileErrors.inc();
      logger.warn({ run: key, attempt, retryInMs: delayMs, error: err instanceof Error ? err.message : String(err) }, 'reconcile failed; will retry');
    },
    onTerminal: async (key, err) => {
      metrics.reconcileTerminalErrors.inc();
      logger.error({ run: key, error: err.message }, 'reconcile failed for good; not retried');
      if (key.startsWith(ORCHESTRATION_KEY_PREFIX) || key.startsWith(SCHEDULE_KEY_PREFIX)) return; // a status write of theirs: logged above
      const [namespace, name] = key.split('/') as [string, string];
      const parsed = parseRun(watched.runs.get(namespace, name));
      if (parsed.ok) await executor.reportTerminal(parsed.value, err, new Date().toISOString());
    },
  });

  /** What the run of a running workflow is, for the orphan sweep; 'gone' only once the apiserver agrees. */
  async function classifyRunning(workflow: { namespace: string; name: string; uid: string }): Promise<'gone' | 'finished' | 'active'> {
    const cached = watched.runs.get(workflow.namespace, workflow.name) as OrchestrationRun | undefined;
    if (cached?.metadata?.uid === workflow.uid) return needsWorkflowRead(cached) ? 'active' : 'finished';
    // The cache may lag behind a run just created: the apiserver decides.
    const uid = await executor.currentRunUid(workflow.namespace, workflow.name);
    return uid === workflow.uid ? 'active' : 'gone';
  }

  let resync: NodeJS.Timeout | undefined;
  let closedWatch: { stop(): void } | undefined;
  let orphanSweep: { stop(): void } | undefined;
  let scheduleSweep: { stop(): void } | undefined;
  let running: Promise<void> | undefined;
  return {
    queue,
    /** Starts the informers and the workers; resolves once the caches are filled. */
    async start(): Promise<void> {
      for (const informer of watched.runs.informers) {
        informer.on('add', (obj) => {
          runQueue.changed(obj);
          enqueueRun(obj);
        });
        informer.on('update', (obj) => {
          onRunChanged(obj);
          enqueueRun(obj);
        });
        informer.on('delete', (obj) => {
          counted.delete(obj.metadata?.uid ?? '');
          runQueue.removed(obj);
          kickQueue();
        });
        for (const event of ['add', 'update', 'delete'] as const) informer.on(event, enqueueRunsSchedule);
      }
      for (const informer of watched.schedules.informers) {
        informer.on('add', enqueueSchedule);
        informer.on('update', enqueueSchedule);
      }
      for (const informer of watched.orchestrations.informers) {
        for (const event of ['add', 'update'] as const) {
          informer.on(event, enqueueReferencingRuns);
          informer.on(event, enqueueOrchestration);
          informer.on(event, enqueueNestingOrchestrations);
          informer.on(event, () => runQueue.invalidate()); // its concurrency may have changed
        }
        informer.on('delete', enqueueReferencingRuns); // onSourceRemoved
        informer.on('delete', enqueueNestingOrchestrations);
        informer.on('delete', () => runQueue.invalidate());
      }
      for (const informer of [...watched.runs.informers, ...watched.orchestrations.informers, ...watched.schedules.informers]) {
        // An informer stops on a watch error; start it again (it relists, which also covers a 410 Gone).
        informer.on('error', (err: unknown) => {
          if (stopped) return; // stop() aborts the watch, which reports as an error
          logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'watch failed; restarting the informer');
          setTimeout(() => {
            if (!stopped) void informer.start().catch(() => undefined);
          }, 1000);
        });
      }
      await Promise.all([...watched.runs.informers, ...watched.orchestrations.informers, ...watched.schedules.informers].map((i) => i.start()));
      running = queue.run(options.workers ?? 16, handle);
      closedWatch = watchClosedWorkflows({
        client: options.client,
        namespaces: options.namespaces,
        intervalMs: 1000,
        logger,
        onClosed: (key) => queue.add(key),
        onRead: () => metrics.temporalReads.inc({ call: 'listClosed' }),
      });
      // start() runs only on the leader (main.ts), so only the leader sweeps.
      orphanSweep = startOrphanSweep(
        {
          listPage: runningWorkflowPages(options.client, options.namespaces, options.settings.taskQueue, 100, () => metrics.temporalReads.inc({ call: 'listRunning' })),
          classify: classifyRunning,
          cancel: async (workflow) => {
            await executor.cancelOrphan(workflow);
            metrics.orphansCancelled.inc();
          },
          onFinishedRunStillRunning: (key) => {
            mustRead.add(key);
            queue.add(key);
          },
          logger,
        },
        { intervalMs: options.orphanSweepMs ?? 10_000 },
      );
      scheduleSweep = startScheduleSweep(
        {
          client: options.client,
          taskQueue: options.settings.taskQueue,
          namespaces: options.namespaces,
          // The cache may lag behind a schedule just created: the apiserver decides that one is gone.
          exists: async ({ namespace, name, uid }) => watched.schedules.get(namespace, name)?.metadata?.uid === uid || (await schedules.currentUid(namespace, name)) === uid,
          logger,
        },
        options.scheduleSweepMs ?? 60_000,
      );
      // A finished run whose end is recorded is not resynced: nothing about it changes with time but its
      // retention, which its own reconcile requeues for; an edit, a deletion or a restart's relist still reach it.
      resync = setInterval(() => {
        // A queued run is looked at again by its own requeue (the refresh of its place) and whenever a slot frees.
        for (const informer of watched.runs.informers) for (const run of informer.list()) if (needsWorkflowRead(run as OrchestrationRun)) enqueueRun(run);
        for (const informer of watched.orchestrations.informers) for (const orchestration of informer.list()) enqueueOrchestration(orchestration);
        for (const informer of watched.schedules.informers) for (const schedule of informer.list()) enqueueSchedule(schedule);
      }, options.resyncMs ?? 30_000);
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(resync);
      closedWatch?.stop();
      orphanSweep?.stop();
      scheduleSweep?.stop();
      queue.close();
      await Promise.all([...watched.runs.informers, ...watched.orchestrations.informers, ...watched.schedules.informers].map((i) => i.stop()));
      await running;
    },
  };
}
