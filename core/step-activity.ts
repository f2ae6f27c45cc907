/** The contract between the workflow and the worker for one step's activity. */

/** What every step activity returns through the worker's wrapper: its output as text and the attempt that produced it. */
export interface StepActivityResult {
  output?: string;
  attempt: number;
}

/** Details attached to a step activity's failure, so the workflow can record attempts. */
export interface StepFailureDetails {
  attempt: number;
}

/** Activity type a job step runs under (implemented with the Job steps issue). */
export const JOB_STEP_ACTIVITY = 'runJobStep';
/** Activity that writes a run's status to its CR. */
export const WRITE_STATUS_ACTIVITY = 'writeRunStatus';
/** Failure type of a step whose activity name the worker does not know. */
export const UNKNOWN_ACTIVITY = 'UnknownActivity';
/** Failure type of a run that failed, so the workflow closes Failed in Temporal too. */
export const RUN_FAILED = 'OrchestrationRunFailed';
export const INVALID_SPEC = 'InvalidSpec';
/** The heartbeat timeout of step activities: cancellation reaches a heartbeating activity within it. */
export const STEP_HEARTBEAT_TIMEOUT_MS = 2000;
/** Default task queue of the worker and the bridge. */
export const DEFAULT_TASK_QUEUE = 'orchestration-bridge';
