/** The contract between the workflow and the worker for one step's activity. */
import type { StepJobRequest } from './job-step.js';
import type { RunIdentity } from './run-snapshot.js';

/** What every step activity returns through the worker's wrapper: its output as text and the attempt that produced it. */
export interface StepActivityResult {
  output?: string;
  attempt: number;
}

/**
 * Which attempt of which step of which run an activity serves: what a step needs to make its effect
 * idempotent. A step runs at least once: after a worker crash the same attempt is delivered again.
 */
export interface StepInvocation {
  runUid: string;
  namespace: string;
  run: string;
  step: string;
  /** The step's attempt (1-based) as its retry policy counts it; a redelivery keeps the number. */
  attempt: number;
}

/**
 * What the workflow passes a step activity: the step's input, and how long the activity may take to stop
 * once cancelled (the run's grace period). The worker's wrapper hands `input` to the activity.
 * With `invocation` the workflow owns the step's attempts: the wrapper fails the delivery without a retry
 * and says whether the step's retry policy may run another attempt. Without it (workflows from before),
 * Temporal's retry policy counts the attempts.
 */
export interface StepActivityInput {
  input: Record<string, unknown>;
  cancelGraceSeconds: number;
  invocation?: StepInvocation;
}

/** Details attached to a step activity's failure, so the workflow can record attempts. */
export interface StepFailureDetails {
  attempt: number;
  /** The step's own failure may pass on another attempt (false: e.g. bad input, a 4xx, `fail`). */
  retryable?: boolean;
}

/** One attempt's Job, as the workflow names it to the worker. */
export interface StepJobRef {
  run: RunIdentity;
  step: string;
  attempt: number;
  jobName: string;
}

/** How an attempt's Job ended, as the worker read it from the Job and its Pod before the Job could be collected. */
export type StepJobOutcome =
  | { result: 'succeeded'; message: string; output?: string }
  | { result: 'failed'; reason: string; message: string; output?: string }
  /** The Job disappeared before its outcome was read (deleted by hand, or a TTL too short). */
  | { result: 'missing'; message: string };
/** Activity that writes a run's status to its CR. */
export const WRITE_STATUS_ACTIVITY = 'writeRunStatus';
/**
 * Activities of the worker itself. A step may not name them: they act with the worker's own Kubernetes
 * rights on whatever their input names.
 */
export const RESERVED_ACTIVITY_NAMES: readonly string[] = [WRITE_STATUS_ACTIVITY, 'createStepJob', 'awaitStepJob', 'deleteStepJob', 'runJobStep', 'updateCaller', 'createChildRun', 'default'];
/** Failure type of a step whose activity name the worker does not know. */
export const UNKNOWN_ACTIVITY = 'UnknownActivity';
/** Failure type of a run that failed, so the workflow closes Failed in Temporal too. */
export const RUN_FAILED = 'OrchestrationRunFailed';
/** Failure types of a run that failed for a reason other than its steps: the bridge reads the reason back from them. */
export const RUN_DEADLINE_EXCEEDED = 'OrchestrationRunDeadlineExceeded';
export const RUN_FINALLY_FAILED = 'OrchestrationRunFinallyFailed';
export const INVALID_SPEC = 'InvalidSpec';
/** The heartbeat timeout of step activities: cancellation reaches a heartbeating activity within it. */
export const STEP_HEARTBEAT_TIMEOUT_MS = 2000;
/** Default task queue of the worker and the bridge. */
export const DEFAULT_TASK_QUEUE = 'orchestration-bridge';

/**
 * The worker's activities of a job step, in the order the workflow calls them: create (or find) the
 * attempt's Job, wait for its outcome; delete it when the step is cancelled.
 */
export interface JobActivities {
  createStepJob(request: StepJobRequest): Promise<{ jobName: string }>;
  awaitStepJob(ref: StepJobRef): Promise<StepJobOutcome>;
  deleteStepJob(ref: StepJobRef): Promise<void>;
}
