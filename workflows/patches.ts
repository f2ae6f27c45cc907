/**
 * Every patched() id of the workflow, with what it guards. A history recorded before a patch replays the
 * old behaviour; one recorded after it, the new. Never rename or reuse an id.
 */

/** Job steps run their Job; before it, job steps called an activity no worker had. */
export const JOB_STEPS = 'job-steps';

/**
 * A cancelled step ends only when its activity has stopped (or its grace period ran out), not when the
 * cancel was requested; the run waits for its running steps before it says Cancelled.
 */
export const STEPS_STOP_BEFORE_CANCELLED = 'steps-stop-before-cancelled';

/**
 * The workflow owns an activity step's attempts (its `retry`), as it does a job step's: Temporal's retry
 * policy only redelivers an attempt that infrastructure interrupted (worker shutdown or crash, a lost
 * heartbeat), which no longer spends the step's attempts. Before it, Temporal counted both alike.
 */
export const WORKFLOW_OWNS_STEP_ATTEMPTS = 'workflow-owns-step-attempts';

/**
 * The run's final status write is retried until it lands (up to a day, backing off to 30 s), not given up
 * after about a minute: an apiserver outage at the end of a run no longer leaves its steps shown Running.
 */
export const FINAL_STATUS_UNTIL_WRITTEN = 'final-status-until-written';

/**
 * At most MAX_INFLIGHT_STEPS steps run at once, whatever the run's parallelism: Temporal fails a workflow
 * task that leaves more than 2,000 activities pending (limit.numPendingActivities), so before it a fan-out
 * wider than that never started a step and never left Pending. Checked only when the cap bites, so runs
 * below it record no marker.
 */
export const BOUNDED_INFLIGHT_STEPS = 'bounded-inflight-steps';

/**
 * The final status write is a local activity: no activity task through the server for it (three fewer
 * history events and a workflow task fewer), and the history records a marker instead of the whole status
 * as input. A local write that still fails after a few seconds of retries goes through the regular one.
 */
export const STATUS_WRITES_LOCAL = 'status-writes-local';

/** finally steps: after the DAG ends, however it ends, the run's finally steps run shielded from its cancellation. */
export const FINALLY_STEPS = 'finally-steps';

/** activeDeadlineSeconds: a timer from the run's start; at it, the DAG is stopped as a cancel would, and the run fails. */
export const RUN_DEADLINE = 'run-deadline';

/** Approval steps: a step kind that waits for a decision from spec.approvals or a Temporal update. */
export const APPROVAL_STEPS = 'approval-steps';

/** Suspend and resume (spec.suspend through the bridge's signal, or a Temporal update): no new step starts while suspended. */
export const RUN_SUSPEND = 'run-suspend';

/** spec.resumeFrom: steps reused from the resumed run are Succeeded before anything starts. */
export const RESUME_FROM = 'resume-from';

/**
 * Orchestration steps: a step that runs another Orchestration as a child run (an activity creates its CR, the
 * workflow starts its workflow as a child workflow and signals it the run's suspend and resume).
 */
export const ORCHESTRATION_STEPS = 'orchestration-steps';
