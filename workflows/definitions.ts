/** Queries and search attribute keys of the orchestration run workflow; importable by clients too. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { DagState, RunPhase, StepRecord } from '../core/workflow-safe.js';

export interface RunStateView {
  phase: RunPhase;
  generation: number;
  statusWrites: number;
  steps: (StepRecord & { name: string })[];
  halted: DagState['halted'];
}

/** The full state of the run: every step with its phase, times, attempts, output. */
export const getRunState = defineQuery<RunStateView>('getRunState');

export const searchAttributeKeys = {
  OrchestrationRunNamespace: defineSearchAttributeKey('OrchestrationRunNamespace', SearchAttributeType.KEYWORD),
  OrchestrationRunName: defineSearchAttributeKey('OrchestrationRunName', SearchAttributeType.KEYWORD),
  OrchestrationRunUid: defineSearchAttributeKey('OrchestrationRunUid', SearchAttributeType.KEYWORD),
  OrchestrationName: defineSearchAttributeKey('OrchestrationName', SearchAttributeType.KEYWORD),
} as const;
