/** Queries, signals, updates and search attribute keys of the orchestration run workflow; importable by clients too. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApprovalDecision, DagState, RunPhase, StepRecord } from '../core/workflow-safe.js';

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

/**
 * The run's mutable spec as the bridge sends it, once per generation that has any of it: spec.suspend and
 * spec.approvals, each with the field manager that set it. The workflow takes a suspend value only when it
 * changed since the last one it took from the spec (a suspend or resume from Temporal in between stands), and
 * a decision only for an approval step not yet decided.
 */
export interface SpecControls {
  generation: number;
  suspend?: { value: boolean; by: string };
  approvals?: { step: string; decision: ApprovalDecision; by: string }[];
}
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
