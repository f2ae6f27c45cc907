/**
 * What the bridge hands the workflow: a self-contained snapshot of a run (identity, resolved steps,
 * parameters, policy). Later edits to the CR or its Orchestration never reach a running workflow.
 */
import type { Step } from './api/step.js';
import type { DagState, ReusedStep, SchedulePolicy } from './dag/state.js';

export interface RunIdentity {
  namespace: string;
  name: string;
  uid: string;
  /** The Orchestration the steps came from, when the run referenced one. */
  orchestrationName?: string;
}

export interface RunSnapshot {
  run: RunIdentity;
  steps: Step[];
  parameters: Record<string, string>;
  policy: SchedulePolicy;
  /** Whether the workflow writes status to the CR (false only where no CR exists, e.g. benchmarks). */
  writeStatus: boolean;
  /** Minimum time between two status writes; state changes in between are coalesced. */
  statusIntervalMs?: number;
  /** cancellationPolicy.gracePeriodSeconds: how long running steps get to stop after a cancel. Default 0. */
  cancelGraceSeconds?: number;
  /** Steps run after the DAG ended, however it ended, shielded from the run's cancellation. */
  finally?: Step[];
  /** The run's deadline in seconds from its start (the first generation's start time). */
  activeDeadlineSeconds?: number;
  /** spec.resumeFrom: the run resumed, and its steps this run does not run again, by name. */
  resume?: { from: { name: string; uid: string; workflowId: string }; reused: Record<string, ReusedStep> };
  /** spec.suspend and spec.approvals as the run was created: in force before its first step starts. */
  controls?: SpecControls;
  /** A child run: its workflow returns its steps' outputs (bounded by CHILD_OUTPUTS_MAX_CHARS) for its parent's step. */
  returnOutputs?: boolean;
}

/** Suspension and approval decisions of a run, as carried across continue-as-new. */
export interface RunControlsState {
  suspended: boolean;
  suspendedBy?: string;
  changedAt?: string;
  resumedBy?: string;
  specSuspend?: boolean;
  decisions: Record<string, { decision: 'Approved' | 'Rejected'; by: string; at: string }>;
}

/**
 * The run's mutable spec as the bridge sends it: spec.suspend and spec.approvals, each with the field manager
 * that set it (`spec:<manager>`). In the snapshot (as the run was at start) and in the signal `spec-controls`
 * (once per later generation that has any of it).
 */
export interface SpecControls {
  generation: number;
  suspend?: { value: boolean; by: string };
  approvals?: { step: string; decision: 'Approved' | 'Rejected'; by: string }[];
}

/** Carried across continue-as-new: the snapshot plus everything the run has done so far. */
export interface RunContinuation {
  state: DagState;
  controls?: RunControlsState;
  startTime: string;
  statusWrites: number;
  generation: number;
}

export interface OrchestrationRunInput {
  snapshot: RunSnapshot;
  continuation?: RunContinuation;
}

/** Steps per attempt: defaults of the API applied. */
export const STEP_DEFAULTS = {
  timeoutSeconds: 600,
  retry: { maxAttempts: 1, initialIntervalSeconds: 1, backoffCoefficient: 2 },
} as const;

/** Deterministic workflow id of a run: one workflow per CR, also across bridge restarts. */
export function workflowIdFor(run: Pick<RunIdentity, 'namespace' | 'name' | 'uid'>): string {
  return `orchestrationrun/${run.namespace}/${run.name}/${run.uid}`;
}
