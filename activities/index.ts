/**
 * Activities do the I/O: the built-in step activities (sleep, fail, http), the job step activities, the
 * status writer, and the fallback that fails an unknown activity name without retry. Dependencies come in through the factory.
 */
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_JOB_TTL_SECONDS, UNKNOWN_ACTIVITY } from '../core/index.js';
import { createChildRunActivities } from './child-runs.js';
import { fail } from './builtins/fail.js';
import type { FencePolicy } from './builtins/http-destinations.js';
import { createHttpStep } from './builtins/http.js';
import { sleep } from './builtins/sleep.js';
import { createJobActivities } from './jobs/index.js';
import type { WorkerMetrics } from './metrics.js';
import { createStatusActivities } from './run-status.js';
import { createScheduleActivities } from './schedule-runs.js';
import { asStepActivity, type StepActivity } from './step-wrapper.js';
import { updateCaller } from './update-caller.js';

/** The built-in step activities; `http` reaches only what the fence allows. */
export function builtinStepActivities(httpFence: FencePolicy, metrics?: WorkerMetrics): Record<string, StepActivity> {
  return { sleep, fail, http: createHttpStep(httpFence, metrics) };
}

export interface ActivityDeps {
  kubeConfig: KubeConfig;
  /** Which destinations http steps may reach (HTTP_STEP_*_DESTINATIONS and the worker's own endpoints). */
  httpFence: FencePolicy;
  /** More step activities, by the name steps use in `activity.name`. */
  stepActivities?: Record<string, StepActivity>;
  /** ttlSecondsAfterFinished of job steps' Jobs; default 600. */
  jobTtlSeconds?: number;
  metrics?: WorkerMetrics;
}

export type StatusActivities = ReturnType<typeof createStatusActivities>;
export type ControlActivities = { updateCaller: typeof updateCaller };
export type { ChildRunActivities } from './child-runs.js';
export type { ScheduleActivities, ScheduledRunEnd } from './schedule-runs.js';

export function createActivities(deps: ActivityDeps) {
  const steps = { ...builtinStepActivities(deps.httpFence, deps.metrics), ...deps.stepActivities };
  const names = Object.keys(steps).sort();
  const wrapped = Object.fromEntries(Object.entries(steps).map(([name, fn]) => [name, asStepActivity(fn)]));
  return {
    ...wrapped,
    ...createStatusActivities(deps.kubeConfig),
    ...createScheduleActivities(deps.kubeConfig),
    updateCaller,
    ...createChildRunActivities(deps.kubeConfig),
    ...createJobActivities({ kubeConfig: deps.kubeConfig, jobTtlSeconds: deps.jobTtlSeconds ?? DEFAULT_JOB_TTL_SECONDS, metrics: deps.metrics }),
    /** The worker calls this for any activity type it has no function for. */
    default(): Promise<never> {
      const { activityType, attempt } = activityInfo();
      return Promise.reject(
        ApplicationFailure.create({
          message: `activity "${activityType}" is not registered in this worker; registered: ${names.join(', ')}`,
          type: UNKNOWN_ACTIVITY,
          nonRetryable: true,
          details: [{ attempt }],
        }),
      );
    },
  };
}
