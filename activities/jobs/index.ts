/**
 * The activities of a job step: create (or find) the Job of an attempt, wait for its outcome with a watch,
 * delete it on cancellation. The Job's outcome is read before the Job can be collected; a Job that
 * disappears first is reported as WorkflowJobMissing, with a Warning Event and a metric.
 */
import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
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
import { apiErrorMessage, apiStatus, isNotFound } from '../kube.js';
import type { WorkerMetrics } from '../metrics.js';
import { recordRunEvent } from '../run-events.js';
import { jobOutcome } from './outcome.js';
import { nextJobChange } from './watch-job.js';

export interface JobActivityDeps {
  kubeConfig: KubeConfig;
  /** ttlSecondsAfterFinished of every Job (JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS). */
  jobTtlSeconds: number;
  metrics?: WorkerMetrics;
}

/** Errors the apiserver gives for a Job it will never accept: retrying cannot help. */
const REJECTED = new Set([400, 403, 404, 422]);

/** Wait before re-reading a Job after a watch failed, so a broken watch does not become a tight loop. */
const REWATCH_DELAY_MS = 1000;

export function createJobActivities(deps: JobActivityDeps): JobActivities {
  const batch = deps.kubeConfig.makeApiClient(BatchV1Api);
  const core = deps.kubeConfig.makeApiClient(CoreV1Api);

  async function readJob(ref: StepJobRef): Promise<V1Job | undefined> {
    try {
      const job = await batch.readNamespacedJob({ name: ref.jobName, namespace: ref.run.namespace });
      const owner = job.metadata?.labels?.[JobLabels.runUid];
      if (owner !== ref.run.uid) {
        throw ApplicationFailure.nonRetryable(`Job ${ref.run.namespace}/${ref.jobName} belongs to run uid ${owner ?? '(none)'}, not ${ref.run.uid}`, 'JobNameConflict');
      }
      return job;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async function outcomeOf(job: V1Job): Promise<StepJobOutcome | undefined> {
    const pods = await core.listNamespacedPod({ namespace: job.metadata!.namespace!, labelSelector: `batch.kubernetes.io/controller-uid=${job.metadata!.uid!}` });
    return jobOutcome(job, pods.items);
  }

  async function reportMissing(ref: StepJobRef, lastSeen: string, detail?: string): Promise<StepJobOutcome> {
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

  async function waitForOutcome(ref: StepJobRef, signal: AbortSignal): Promise<StepJobOutcome> {
    let lastSeen = 'never';
    while (!signal.aborted) {
      const job = await readJob(ref);
      if (!job) return reportMissing(ref, lastSeen);
      lastSeen = job.status?.active ? 'running' : 'not yet running';
      const outcome = await outcomeOf(job);
      if (outcome?.result === 'missing') return reportMissing(ref, 'finished', outcome.message);
      if (outcome) return outcome;
      const change = await nextJobChange(deps.kubeConfig, ref.run.namespace, ref.jobName, job.metadata!.resourceVersion!, signal);
      if (change.kind === 'deleted') {
        // The Pod may outlive its Job for a moment (background deletion); if it has ended, the outcome is still there.
        const late = await outcomeOf(change.job);
        return late && late.result !== 'missing' ? late : reportMissing(ref, change.job.status?.active ? 'running' : lastSeen);
      }
      if (change.kind === 'closed' && change.error) await new Promise((r) => setTimeout(r, REWATCH_DELAY_MS));
    }
    throw new Error('cancelled');
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
      const stop = new AbortController();
      ctx.cancelled.catch(() => stop.abort());
      return whileHeartbeating(ctx, () => Promise.race([waitForOutcome(ref, stop.signal), ctx.cancelled]));
    },

    /**
     * Deletes the attempt's Job and its Pods (foreground: the Job goes last) and waits until it is gone,
     * so a cancelled step has stopped when its workflow says so.
     */
    async deleteStepJob(ref: StepJobRef): Promise<void> {
      const ctx = Context.current();
      try {
        await batch.deleteNamespacedJob({ name: ref.jobName, namespace: ref.run.namespace, propagationPolicy: 'Foreground' });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      const stop = new AbortController();
      await whileHeartbeating(ctx, async () => {
        for (;;) {
          const job = await readJob(ref);
          if (!job) return;
          const change = await nextJobChange(deps.kubeConfig, ref.run.namespace, ref.jobName, job.metadata!.resourceVersion!, stop.signal);
          if (change.kind === 'deleted') return;
        }
      });
    },
  };
}
