/** Queries, signals, updates and search attribute keys of the orchestration run workflow; importable by clients too. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApprovalDecision, DagState, RunPhase, SpecControls, StepRecord } from '../core/workflow-safe.js';

export interface RunStateView {
  phase: RunPhase;
  generation: number;
  statusWrites: number;
  steps: (StepRecord & { name: string; finally?: boolean })[];
  halted: DagState['halted'];
  suspended?: boolean;
  suspendedBy?: string;
  /** Approval steps waiting for a decision. */
  waitingForApproval?: string[];
}

/** The full state of the run: every step with its phase, times, attempts, output. */
export const getRunState = defineQuery<RunStateView>('getRunState');

export const searchAttributeKeys = {
  OrchestrationRunNamespace: defineSearchAttributeKey('OrchestrationRunNamespace', SearchAttributeType.KEYWORD),
  OrchestrationRunName: defineSearchAttributeKey('OrchestrationRunName', SearchAttributeType.KEYWORD),
  OrchestrationRunUid: defineSearchAttributeKey('OrchestrationRunUid', SearchAttributeType.KEYWORD),
  OrchestrationName: defineSearchAttributeKey('OrchestrationName', SearchAttributeType.KEYWORD),
} as const;

/** The signal's payload: see SpecControls in core/run-snapshot.ts. */
export type { SpecControls };
export const specControlsSignal = defineSignal<[SpecControls]>('spec-controls');

/** What a control update returns: the state it left. */
export interface ControlResult {
  suspended: boolean;
  suspendedBy?: string;
  step?: string;
  decision?: ApprovalDecision;
  by?: string;
}

/** An approval step by name: "go-live" or {"step": "go-live"} (what the Temporal CLI's --input sends). */
export type StepRef = string | { step: string };

/**
 * Controls from Temporal's side (`temporal workflow update execute --name suspend`, the UI): each records the
 * caller's identity, read from the update's accepted event. A control that cannot apply is rejected by its
 * validator, naming why, and leaves no trace in the history.
 */
export const suspendUpdate = defineUpdate<ControlResult, unknown[]>('suspend');
export const resumeUpdate = defineUpdate<ControlResult, unknown[]>('resume');
export const approveUpdate = defineUpdate<ControlResult, [StepRef]>('approve');
export const rejectUpdate = defineUpdate<ControlResult, [StepRef]>('reject');
