/** API identity of the orchestration.proompteng.ai group: kinds, plurals, finalizer and condition reasons. */
export const API_GROUP = 'orchestration.proompteng.ai';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

export const ORCHESTRATION_KIND = 'Orchestration';
export const ORCHESTRATION_PLURAL = 'orchestrations';
export const ORCHESTRATION_RUN_KIND = 'OrchestrationRun';
export const ORCHESTRATION_RUN_PLURAL = 'orchestrationruns';

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

export const CONDITION_TYPES = ['Ready', 'Succeeded', 'Cancelled'] as const;
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
} as const;
export type Reason = (typeof Reasons)[keyof typeof Reasons];
