/** API identity of the orchestration.proompteng.ai group: kinds, plurals, finalizer and condition reasons. */
export const API_GROUP = 'orchestration.proompteng.ai';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

export const ORCHESTRATION_KIND = 'Orchestration';
export const ORCHESTRATION_PLURAL = 'orchestrations';
export const ORCHESTRATION_RUN_KIND = 'OrchestrationRun';
export const ORCHESTRATION_RUN_PLURAL = 'orchestrationruns';
export const ORCHESTRATION_SCHEDULE_KIND = 'OrchestrationSchedule';
export const ORCHESTRATION_SCHEDULE_PLURAL = 'orchestrationschedules';

/** Finalizer the bridge holds while a run's workflow and Jobs may still need cleanup (seed 002). */
export const RUNTIME_CLEANUP_FINALIZER = `${API_GROUP}/runtime-cleanup`;

export const RUN_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Cancelled'] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

/** Succeeded, Failed and Cancelled end a run; nothing reopens it but a reset of its workflow. */
export function isTerminalPhase(phase: string | undefined): phase is 'Succeeded' | 'Failed' | 'Cancelled' {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Cancelled';
}

export const STEP_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped', 'Cancelled'] as const;
export type StepPhase = (typeof STEP_PHASES)[number];

export const CONDITION_TYPES = ['Ready', 'Succeeded', 'Cancelled', 'Suspended'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** Reasons written to conditions, runs and steps; users and later issues match on these strings. */
export const Reasons = {
  InvalidSpec: 'InvalidSpec',
  /** Ready=False: the bridge cannot reconcile the run (the apiserver rejected a write for good). */
  ReconcileFailed: 'ReconcileFailed',
  OrchestrationNotFound: 'OrchestrationNotFound',
  DependencyFailed: 'DependencyFailed',
  FailFast: 'FailFast',
  WorkflowJobMissing: 'WorkflowJobMissing',
  WorkflowTerminated: 'WorkflowTerminated',
  WorkflowTimedOut: 'WorkflowTimedOut',
  SpecCancel: 'SpecCancel',
  TemporalCancel: 'TemporalCancel',
  Deletion: 'Deletion',
  Retrigger: 'Retrigger',
  SourceRemoved: 'SourceRemoved',
  CancelTimeout: 'CancelTimeout',
  AlreadyTerminal: 'AlreadyTerminal',
  CancelDisabled: 'CancelDisabled',
  /** A run that passed its activeDeadlineSeconds; its unstarted steps, Skipped for it. */
  DeadlineExceeded: 'DeadlineExceeded',
  /** A run whose steps succeeded but a finally step failed. */
  FinallyFailed: 'FinallyFailed',
  /** Suspended=True/False: no new step starts while suspended. */
  Suspended: 'Suspended',
  Resumed: 'Resumed',
  /** Suspended=False on a finished run: nothing is held back any more. */
  RunEnded: 'RunEnded',
  /** An approval step waiting for its decision; rejected; not decided within its timeoutSeconds. */
  WaitingForApproval: 'WaitingForApproval',
  Rejected: 'Rejected',
  ApprovalTimeout: 'ApprovalTimeout',
  /** Ready=False: the run waits for a concurrency slot (status.queue says where and why). */
  Queued: 'Queued',
  /** Ready=False: the run holds a concurrency slot and its workflow is being started. */
  Starting: 'Starting',
  /** Ready=False: a child run (of an orchestration step) waits for its parent's workflow to start its own. */
  WaitingForParent: 'WaitingForParent',
  /** A child run whose parent ended (or is gone) before it started the child's workflow. */
  ParentEnded: 'ParentEnded',
  /** An orchestration step whose child run failed or was cancelled. */
  ChildRunFailed: 'ChildRunFailed',
  /** A child run cancelled because its parent's step was (the parent was cancelled or passed its deadline). */
  ParentCancelled: 'ParentCancelled',
  /** An orchestration step that could not make its child run (Orchestration missing or invalid, too deep). */
  ChildRunInvalid: 'ChildRunInvalid',
  /** A run its schedule cancelled: the overlap policy (CancelOther, TerminateOther) made way for a later firing. */
  ScheduleOverlap: 'ScheduleOverlap',
  /** Ready=True on an OrchestrationSchedule: its Temporal Schedule matches its spec. */
  ScheduleReady: 'ScheduleReady',
} as const;

export const APPROVAL_DECISIONS = ['Approved', 'Rejected'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];
export type Reason = (typeof Reasons)[keyof typeof Reasons];

/** The label that says which controller manages an object; the controller sets it on its Jobs and Pods. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/**
 * Pod label and annotation keys a job step may not set: the controller's own (it finds a run's Jobs and
 * Pods by them) and the Job controller's (it finds a Job's Pods by them).
 */
export const RESERVED_POD_PREFIXES = [`${API_GROUP}/`, 'batch.kubernetes.io/'] as const;
export const RESERVED_POD_KEYS = [MANAGED_BY_LABEL, 'controller-uid', 'job-name'] as const;
/** The reserved keys as messages name them: `orchestration.proompteng.ai/*, …, job-name`. */
export const RESERVED_POD_KEYS_TEXT = [...RESERVED_POD_PREFIXES.map((p) => `${p}*`), ...RESERVED_POD_KEYS].join(', ');

/**
 * Annotation prefixes a job step may not set: they would loosen the Pod's confinement (AppArmor unconfined,
 * the legacy seccomp annotation).
 */
export const CONFINEMENT_ANNOTATION_PREFIXES = ['container.apparmor.security.beta.kubernetes.io/', 'seccomp.security.alpha.kubernetes.io/'] as const;
export const CONFINEMENT_ANNOTATIONS_TEXT = CONFINEMENT_ANNOTATION_PREFIXES.map((p) => `${p}*`).join(', ');

/** Why a Pod annotation key is refused beyond the reserved ones: it would loosen the Pod's confinement. */
export function confinementKeyProblem(key: string): string | undefined {
  if (!CONFINEMENT_ANNOTATION_PREFIXES.some((p) => key.startsWith(p))) return undefined;
  return `"${key}" would loosen the Pod's confinement; refused are ${CONFINEMENT_ANNOTATIONS_TEXT}`;
}

/** Why a Pod label or annotation key is refused, naming the reserved keys; undefined when it is free. */
export function reservedPodKeyProblem(key: string): string | undefined {
  const reserved = RESERVED_POD_PREFIXES.some((p) => key.startsWith(p)) || (RESERVED_POD_KEYS as readonly string[]).includes(key);
  if (!reserved) return undefined;
  return `"${key}" is set by the controller on its Jobs and Pods; reserved are ${RESERVED_POD_KEYS_TEXT}`;
}
