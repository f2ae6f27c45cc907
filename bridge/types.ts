/** What reconcile reads and what decide returns: plain data, so decide is a pure, table-tested function. */
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import type {
  CancelRequest,
  Condition,
  Orchestration,
  OrchestrationRun,
  OrchestrationRunStatus,
  RunPhase,
  RunSnapshot,
  TemporalRef,
} from '../core/index.js';
import type { SpecControls } from '../core/index.js';
import type { ResumeSource } from './resume-source.js';
import type { Admission } from './queue-plan.js';

/** The SDK's own names (note 'CANCELLED'), so the compiler checks every status decide() handles. */
export type WorkflowStatus = WorkflowExecutionStatusName;

/** The run's workflow as Temporal describes it (the latest run of its continue-as-new chain). */
export type WorkflowView =
  /**
   * error: Temporal could not be asked (only reported while the run is being deleted or cancelled);
   * notRead: not asked, as the run's own status already records how it ended (see needsWorkflowRead).
   */
  | { found: false; error?: string; notRead?: true }
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
      /** CANCELLED: who asked, from the cancel-requested event, and when. */
      cancelRequest?: CancelRequest & { at?: string };
    };

export interface BridgeSettings {
  temporalNamespace: string;
  taskQueue: string;
  /** Base URL of the Temporal Web UI, for status.temporal.uiUrl; empty = no link. */
  uiBaseUrl: string;
  /** Default retention of finished runs (JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS); undefined keeps them. */
  runRetentionSeconds?: number;
  /** JANGAR_ORCHESTRATION_CANCEL_ENABLED: false ignores spec.cancel (CancelDisabled), retrigger and source removal. */
  cancelEnabled?: boolean;
  /** JANGAR_ORCHESTRATION_CANCEL_TIMEOUT_MS: a cancel not done by then is forced (terminate, delete Jobs). */
  cancelTimeoutMs?: number;
  /** JANGAR_CONTROLLER_FINALIZER_CLEANUP_TIMEOUT_MS: how long deletion waits for the workflow before releasing the run. */
  cleanupTimeoutMs?: number;
  /**
   * JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_{NAMESPACE,CLUSTER}: running runs at once per namespace and
   * across the watched namespaces; 0 or absent = no limit.
   */
  concurrency?: { namespace?: number; cluster?: number };
}

export const CANCEL_DEFAULTS = { cancelEnabled: true, cancelTimeoutMs: 300_000, cleanupTimeoutMs: 30_000 } as const;

export interface ReconcileInput {
  run: OrchestrationRun;
  /** The referenced Orchestration, when the run has an orchestrationRef and it exists (and is valid). */
  orchestration: Orchestration | undefined;
  /** The referenced Orchestration exists but its schema rejects it: the problems, one line each. */
  orchestrationProblems?: string[];
  /** Whether the referenced Orchestration exists at all, valid or not (onSourceRemoved). */
  orchestrationExists?: boolean;
  workflow: WorkflowView;
  workflowId: string;
  settings: BridgeSettings;
  now: string;
  /** Other runs of the same Orchestration with the same triggerKey (informer cache), for onRetrigger. */
  siblings?: OrchestrationRun[];
  /** spec.resumeFrom, before the run started: the run it resumes, as read from Temporal. */
  resume?: ResumeSource;
  /** Before the run started, when a concurrency limit applies to it: whether it may start, or its place in the queue. */
  admission?: Admission;
}

/**
 * What the bridge owns of a running run's status, applied whole each time (server-side apply: a field left
 * out would be removed): the workflow reference, the policy fixed at start, and the Ready condition. The
 * workflow owns phase, times, steps and the Succeeded condition; neither overwrites nor conflicts with the other.
 */
export interface BridgeStatusApply {
  temporal: TemporalRef;
  observedGeneration?: number;
  cancellationPolicy?: OrchestrationRunStatus['cancellationPolicy'];
  conditions: Condition[];
}

/** A JSON merge patch of the status: null removes a field. */
export type StatusPatch = { [K in keyof OrchestrationRunStatus]?: OrchestrationRunStatus[K] | null } & { conditions?: Condition[] };

export type Action =
  | { type: 'addFinalizer' }
  | { type: 'removeFinalizer' }
  | { type: 'startWorkflow'; snapshot: RunSnapshot }
  /** Requests cancellation in Temporal; `cause` travels in the request and comes back in the history. */
  | { type: 'cancelWorkflow'; cause: string; bestEffort?: boolean }
  | { type: 'terminateWorkflow'; reason: string; bestEffort?: boolean }
  /** Sends the run's spec.suspend and spec.approvals to its workflow (once per generation that has them). */
  | { type: 'signalControls'; controls: SpecControls }
  /** Deletes every Job of the run (by its run-uid label), with their Pods. */
  | { type: 'deleteJobs'; bestEffort?: boolean }
  /** Records a cancel request on another run (retrigger), for that run's own reconcile to carry out. */
  | { type: 'markCancel'; target: OrchestrationRun; status: StatusPatch; message: string }
  /** A cancel ended: for the metrics (request → phase Cancelled), forced or not. */
  | { type: 'cancelEnded'; seconds: number | undefined; forced: boolean }
  /** Deletes the run (its retention ran out); the deletion goes through the finalizer like any other. */
  | { type: 'deleteRun'; reason: string }
  | { type: 'patchStatus'; status: StatusPatch }
  /** Server-side apply of the fields the bridge owns while the workflow runs (BRIDGE_FIELD_MANAGER). */
  | { type: 'applyStatus'; status: BridgeStatusApply }
  /** An Event on the run, or on `target` (the run a resumed run resumes). */
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string; target?: { namespace: string; name: string; uid: string }; bestEffort?: boolean };

/**
 * What decide() returns: the actions for the executor, and when to look again (the reconcile result's
 * requeueAfter; absent: only when the run or its workflow changes, or at the next resync).
 */
export interface Decision {
  actions: Action[];
  requeueAfterMs?: number;
}

export type { TemporalRef };

/** A Decision of these actions, looking again after `requeueAfterMs` when given. */
export function decision(actions: Action[], requeueAfterMs?: number): Decision {
  return requeueAfterMs === undefined ? { actions } : { actions, requeueAfterMs };
}
