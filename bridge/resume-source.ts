/**
 * What a run with spec.resumeFrom needs from the run it resumes, read once before it starts: the earlier
 * run's snapshot (its workflow's input: steps, parameters, policy as they ran) and how each step ended, with
 * its full output (the getRunState query of its workflow, answered by a worker replaying its history).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { isTerminalPhase, workflowIdFor, type OrchestrationRun, type OrchestrationRunInput } from '../core/index.js';
import { getRunState } from '../workflows/definitions.js';
import type { ResumeSource } from '../core/resolve-run.js';

export type { ResumeSource };

/** Reading the earlier run may replay its whole history in a worker: longer than a describe. */
export const RESUME_READ_DEADLINE_MS = 30_000;

export async function loadResumeSource(client: Client, namespace: string, name: string, earlier: OrchestrationRun | undefined): Promise<ResumeSource> {
  if (!earlier) return { ok: false, problem: `resumeFrom: no run "${name}" in namespace ${namespace}` };
  const phase = earlier.status?.phase;
  if (!isTerminalPhase(phase)) {
    return { ok: false, problem: `resumeFrom: run "${name}" has not finished (phase ${phase ?? 'Pending'}); a run can resume one that ended Failed or Cancelled` };
  }
  const workflowId = earlier.status?.temporal?.workflowId;
  if (!workflowId) return { ok: false, problem: `resumeFrom: run "${name}" ended ${phase} before its workflow started (${earlier.status?.message ?? 'no message'}); there is nothing to resume` };
  const handle = client.workflow.getHandle(workflowId);
  let runId: string;
  try {
    runId = (await handle.describe()).runId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      return { ok: false, problem: `resumeFrom: the history of run "${name}" (workflow ${workflowId}) is gone from Temporal (past the namespace's retention), so its steps cannot be reused` };
    }
    throw err;
  }
  // The input of the latest run of the chain: continue-as-new passes the snapshot along unchanged.
  const first = await client.workflowService.getWorkflowExecutionHistory({ namespace: client.options.namespace, execution: { workflowId, runId }, maximumPageSize: 1 });
  const payload = first.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const input = payload ? defaultPayloadConverter.fromPayload<OrchestrationRunInput>(payload) : undefined;
  if (!input?.snapshot) return { ok: false, problem: `resumeFrom: workflow ${workflowId} of run "${name}" has no run snapshot as its input` };
  const state = await client.workflow.getHandle(workflowId, runId).query(getRunState);
  const uid = earlier.metadata.uid ?? '';
  return {
    ok: true,
    from: { name, uid, workflowId: workflowId || workflowIdFor({ namespace, name, uid }) },
    phase,
    snapshot: input.snapshot,
    states: state.steps,
    generations: state.generation,
  };
}
