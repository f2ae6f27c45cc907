/**
 * Runs an approval step: it waits, Running with reason WaitingForApproval, until spec.approvals or a Temporal
 * update decides it. Approved succeeds it (approvedBy); Rejected fails it (Rejected, rejectedBy), so its
 * dependents are Skipped/DependencyFailed; timeoutSeconds, when set, bounds the wait (ApprovalTimeout). A
 * decision made before the step started counts at once. A cancel of the run ends the wait.
 */
import { condition, isCancellation } from '@temporalio/workflow';
import { Reasons, substitute, type Step, type StepEvent } from '../core/workflow-safe.js';
import { now, type StepContext } from './step-context.js';

export async function runApprovalStep(step: Step & { approval: NonNullable<Step['approval']> }, index: number, context: StepContext): Promise<StepEvent> {
  const asked = substitute(step.approval.message ?? `approve step "${step.name}"?`, context.values);
  context.report({ type: 'running', step: index, at: now(), attempt: 1, reason: Reasons.WaitingForApproval, message: `waiting for approval: ${asked}` });
  const decided = () => context.decisionOf?.(step.name) !== undefined;
  try {
    if (step.timeoutSeconds === undefined) await condition(decided);
    else if (!(await condition(decided, step.timeoutSeconds * 1000))) {
      return { type: 'failed', step: index, at: now(), reason: Reasons.ApprovalTimeout, message: `not approved or rejected within timeoutSeconds (${step.timeoutSeconds}s)` };
    }
  } catch (err) {
    if (isCancellation(err)) return { type: 'cancelled', step: index, at: now(), message: 'cancelled while waiting for approval' };
    throw err;
  }
  const { decision, by } = context.decisionOf!(step.name)!;
  if (decision === 'Approved') return { type: 'succeeded', step: index, at: now(), approvedBy: by };
  return { type: 'failed', step: index, at: now(), reason: Reasons.Rejected, message: `rejected by ${by}`, rejectedBy: by };
}
