/**
 * The activities of a job step: create (or find) the Job of an attempt, wait for its outcome with a watch,
 * delete it when the step is cancelled. The outcome is read as soon as the Job finishes, long before the
 * Job's TTL can collect it; a Job that disappears first is reported as WorkflowJobMissing, with a Warning
 * Event and a metric.
 */
import { BatchV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  JobLabels,
  Reasons,
  jobNameFor,
  stepJobManifest,
  type JobActivities,
  type StepJobOutcome,
  type StepJobRef,
  type StepJobRequest,
} from '../../core/index.js';
import { whileHeartbeating } from '../heartbeat.js';
import { apiErrorMessage, apiStatus, isNotFound, runObjectRef } from '../kube.js';
import type { WorkerMetrics } from '../metrics.js';
import { recordRunEvent } from '../run-events.js';
import { jobOutcome } from './outcome.js';
import { jobWatcher } from './watch-job.js';

export interface JobActivityDeps {
  kubeConfig: KubeConfig;
  /** ttlSecondsAfterFinished of every Job (JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS). */
  jobTtlSeconds: number;
  metrics?: WorkerMetrics;
}

/** Errors the apiserver gives for a Job it will never accept: retrying cannot help. */
const REJECTED = new Set([400, 404, 422]);

export function createJobActivities(deps: JobActivityDeps): JobActivities {
  const batch = deps.kubeConfig.makeApiClient(BatchV1Api);
  const core = deps.kubeConfig.makeApiClient(CoreV1Api);
  const objects = deps.kubeConfig.makeApiClient(CustomObjectsApi);

  /** The Job must carry the run's uid: a Job of the same name from elsewhere is never touched. */
  function ensureOwned(ref: StepJobRef, job: V1Job): V1Job {
    const owner = job.metadata?.labels?.[JobLabels.runUid];
    if (owner !== ref.run.uid) {
      throw ApplicationFailure.nonRetryable(`Job ${ref.run.namespace}/${ref.jobName} belongs to run uid ${owner ?? '(none)'}, not ${ref.run.uid}`, 'JobNameConflict');
    }
    return job;
  }

  async function readJob(ref: StepJobRef): Promise<V1Job | undefined> {
    try {
      return ensureOwned(ref, await batch.readNamespacedJob({ name: ref.jobName, namespace: ref.run.namespace }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async function outcomeOf(namespace: string, jobUid: string | undefined, job: V1Job): Promise<StepJobOutcome | undefined> {
    const pods = jobUid ? (await core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/controller-uid=${jobUid}` })).items : [];
    return jobOutcome(job, pods);
  }

  /** Whether the run itself is gone or going: then its Jobs go with it, and that is no WorkflowJobMissing. */
  async function runIsGoing(ref: StepJobRef): Promise<boolean> {
    try {
      const run = (await objects.getNamespacedCustomObject(runObjectRef(ref.run))) as { metadata: { uid: string; deletionTimestamp?: string } };
      return run.metadata.uid !== ref.run.uid || run.metadata.deletionTimestamp !== undefined;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  }

  async function reportMissing(ref: StepJobRef, lastSeen: string, detail?: string): Promise<StepJobOutcome> {
    if (await runIsGoing(ref)) return { result: 'missing', message: `Job ${ref.run.namespace}/${ref.jobName} was deleted with its run` };
    const message =
      `Job ${ref.run.namespace}/${ref.jobName} of step "${ref.step}" (attempt ${ref.attempt}) disappeared before its outcome was recorded` +
      `${detail ? ` (${detail})` : ''}; last seen ${lastSeen}. Finished Jobs are kept ttlSecondsAfterFinished=${deps.jobTtlSeconds}s ` +
      `(JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS)`;
    deps.metrics?.jobMissing.inc({ namespace: ref.run.namespace });
    Context.current().log.warn(message, { reason: Reasons.WorkflowJobMissing, job: ref.jobName });
    // Best effort: the step's failure carries the same message, and a failed Event must not repeat the count.
    await recordRunEvent(core, ref.run, { type: 'Warning', reason: Reasons.WorkflowJobMissing, message }, 'orchestration-worker').catch((err: unknown) => {
      Context.current().log.warn('could not record the WorkflowJobMissing Event', { error: apiErrorMessage(err) });
    });
    return { result: 'missing', message };
  }

  async function waitForOutcome(ref: StepJobRef, signal: AbortSignal): Promise<StepJobOutcome | undefined> {
    const watcher = jobWatcher(deps.kubeConfig, ref.run.namespace, ref.jobName);
    let last: V1Job | undefined;
    let listed = await watcher.list();
    while (!signal.aborted) {
      if (!listed.job) {
        // Gone before we saw it finish: its Pod may still tell how it ended.
        const late = last ? await outcomeOf(ref.run.namespace, last.metadata?.uid, last) : undefined;
        if (late && late.result !== 'missing') return late;
        return signal.aborted ? undefined : reportMissing(ref, last?.status?.active ? 'running' : 'not running');
      }
      last = ensureOwned(ref, listed.job);
      const outcome = await outcomeOf(ref.run.namespace, last.metadata?.uid, last);
      if (outcome?.result === 'missing') return signal.aborted ? undefined : reportMissing(ref, 'finished', outcome.message);
      if (outcome) return outcome;
      const from = { resourceVersion: listed.resourceVersion };
      let change = await watcher.next(from, signal);
      // A watch that ended quietly (its timeout) goes on from where it was.
      while (change.kind === 'closed' && !change.error && !signal.aborted) change = await watcher.next(from, signal);
      if (change.kind === 'closed') {
        listed = await watcher.list();
      } else {
        // The event's object is the Job as it ended (or was deleted): no second read that a short TTL could lose.
        listed = { job: change.kind === 'deleted' ? undefined : change.job, resourceVersion: from.resourceVersion };
        if (change.kind === 'deleted') last = change.job;
      }
    }
    return undefined;
  }

  return {
    /** Creates the Job of one attempt, or finds the one an earlier try of this activity created. */
    async createStepJob(request: StepJobRequest): Promise<{ jobName: string }> {
      const body = stepJobManifest(request, deps.jobTtlSeconds);
      const ref: StepJobRef = { run: request.run, step: request.step, attempt: request.attempt, jobName: jobNameFor(request.run, request.step, request.attempt) };
      try {
        await batch.createNamespacedJob({ namespace: request.run.namespace, body });
      } catch (err) {
        const status = apiStatus(err);
        if (status !== 409) {
          // A 403 may be a ResourceQuota that frees up: retried like any API error.
          if (status !== undefined && REJECTED.has(status)) {
            throw ApplicationFailure.nonRetryable(`the apiserver rejected Job ${ref.jobName}: ${apiErrorMessage(err)}`, 'JobRejected');
          }
          throw err;
        }
      }
      // Confirm the Job exists (and is this run's) before the step is reported Running.
      if (!(await readJob(ref))) throw new Error(`Job ${request.run.namespace}/${ref.jobName} was not found right after its creation`);
      return { jobName: ref.jobName };
    },

    /** Waits for the attempt's Job to finish and returns its outcome. */
    async awaitStepJob(ref: StepJobRef): Promise<StepJobOutcome> {
      const ctx = Context.current();
      return whileHeartbeating(ctx, async () => {
        const outcome = await Promise.race([waitForOutcome(ref, ctx.cancellationSignal), ctx.cancelled]);
        if (!outcome) await ctx.cancelled; // stopped by the cancellation: rejects with it
        return outcome!;
      });
    },

    /**
     * Deletes the attempt's Job and its Pods (foreground: the Job goes last, once its Pods have stopped
     * within their grace period) and waits until it is gone, so a cancelled step has stopped when the
     * workflow says so. Only a Job carrying the run's uid is deleted.
     */
    async deleteStepJob(ref: StepJobRef): Promise<void> {
      const ctx = Context.current();
      const job = await readJob(ref);
      if (!job) return;
      try {
        // In the body: with a body, the apiserver ignores the query's propagationPolicy, and a Job's default is Orphan.
        await batch.deleteNamespacedJob({ name: ref.jobName, namespace: ref.run.namespace, body: { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata!.uid! } } });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      await whileHeartbeating(ctx, async () => {
        const watcher = jobWatcher(deps.kubeConfig, ref.run.namespace, ref.jobName);
        for (;;) {
          const listed = await watcher.list();
          if (!listed.job || listed.job.metadata?.uid !== job.metadata!.uid) return;
          const change = await watcher.next({ resourceVersion: listed.resourceVersion }, ctx.cancellationSignal);
          if (change.kind === 'deleted') return;
        }
      });
    },
  };
}
