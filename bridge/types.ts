/** What reconcile reads and what decide returns: plain data, so decide is a pure, table-tested function. */
import type {
  Condition,
  Orchestration,
  OrchestrationRun,
  OrchestrationRunStatus,
  RunPhase,
  RunSnapshot,
  TemporalRef,
} from '../core/index.js';

export type WorkflowStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED' | 'TERMINATED' | 'TIMED_OUT' | 'CONTINUED_AS_NEW' | 'UNKNOWN';

/** The run's workflow as Temporal describes it (the latest run of its continue-as-new chain). */
export type WorkflowView =
  | { found: false }
  | {
      found: true;
      runId: string;
      status: WorkflowStatus;
      closeTime?: string;
      /** COMPLETED: the run phase the workflow returned. */
      resultPhase?: RunPhase;
      /** FAILED: type and message of the failure; TERMINATED: the reason given; CANCELED: who asked. */
      failureType?: string;
      message?: string;
    };

export interface BridgeSettings {
  temporalNamespace: string;
  taskQueue: string;
  /** Base URL of the Temporal Web UI, for status.temporal.uiUrl; empty = no link. */
  uiBaseUrl: string;
  /** Default retention of finished runs (JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS); undefined keeps them. */
  runRetentionSeconds?: number;
}

export interface ReconcileInput {
  run: OrchestrationRun;
  /** The referenced Orchestration, when the run has an orchestrationRef and it exists. */
  orchestration: Orchestration | undefined;
  workflow: WorkflowView;
  workflowId: string;
  settings: BridgeSettings;
  now: string;
}

/** A JSON merge patch of the status: null removes a field. */
export type StatusPatch = { [K in keyof OrchestrationRunStatus]?: OrchestrationRunStatus[K] | null } & { conditions?: Condition[] };

export type Action =
  | { type: 'addFinalizer' }
  | { type: 'removeFinalizer' }
  | { type: 'startWorkflow'; snapshot: RunSnapshot }
  | { type: 'cancelWorkflow'; reason: string }
  /** Deletes the run (its retention ran out); the deletion goes through the finalizer like any other. */
  | { type: 'deleteRun'; reason: string }
  | { type: 'patchStatus'; status: StatusPatch }
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string }
  | { type: 'requeue'; afterMs: number };

export type { TemporalRef };
