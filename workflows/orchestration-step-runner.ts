/**
 * Runs an orchestration step: an activity creates the child OrchestrationRun (visible with kubectl, owned by
 * this run), then this workflow starts the child's workflow as a Temporal child workflow, linked both ways
 * in the Temporal UI. A cancel of the step's scope (the run's cancel, its deadline) cancels the child and
 * waits until it stopped. The step succeeds when the child Succeeded; its output is the JSON of the child's
 * step outputs by step name.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  isCancellation,
  proxyActivities,
  startChild,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { ORCHESTRATION_RUN_KIND, Reasons, substitute, workflowIdFor, type Step, type StepEvent } from '../core/workflow-safe.js';
import type { ChildRunActivities } from '../activities/index.js';
import { searchAttributeKeys } from './definitions.js';
import { now, type StepContext } from './step-context.js';

/** What orchestrationRunWorkflow returns, as far as a parent reads it. */
interface ChildResult {
  phase: string;
  outputs?: Record<string, string>;
}

const createChildRunFor = (step: string) =>
  proxyActivities<ChildRunActivities>({
    startToCloseTimeout: '1 minute',
    // An apiserver out of reach is the infrastructure's failure, not the step's: retried until it answers (or
    // the run is cancelled, or passes its deadline). What it refuses fails the step at once (non-retryable).
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
    summary: `child run of step ${step}`,
  }).createChildRun;

/** Failure types of createChildRun that say why the step failed; any other is shown as ChildRunFailed. */
const CREATE_FAILURES: readonly string[] = [Reasons.ChildRunInvalid, Reasons.ParentEnded, 'ChildRunConflict'];

/** The cause of a child workflow's failure, as the step shows it. */
function causeOf(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

export async function runOrchestrationStep(step: Step & { orchestration: NonNullable<Step['orchestration']> }, index: number, context: StepContext): Promise<StepEvent> {
  const { run } = context;
  const scope = CancellationScope.current();
  const parameters = substitute<Record<string, string>>(step.orchestration.parameters ?? {}, context.values);
  let child: Awaited<ReturnType<ReturnType<typeof createChildRunFor>>>;
  try {
    child = await createChildRunFor(step.name)({ parent: run, step: step.name, orchestration: step.orchestration.name, parameters });
  } catch (err) {
    if (isCancellation(err)) return { type: 'cancelled', step: index, at: now(), message: 'cancelled before its child run started' };
    const type = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
    const reason = type && CREATE_FAILURES.includes(type) ? type : Reasons.ChildRunFailed;
    return { type: 'failed', step: index, at: now(), reason, message: `could not start a child run: ${causeOf(err)}` };
  }
  const childRef = `${run.namespace}/${child.name}`;
  const workflowId = workflowIdFor({ namespace: run.namespace, name: child.name, uid: child.uid });
  let handle: ChildWorkflowHandle<() => Promise<ChildResult>>;
  try {
    handle = await startChild('orchestrationRunWorkflow', {
      workflowId,
      args: [{ snapshot: child.snapshot }] as never,
      // The child lives no longer than its parent, and a cancel of the parent's step waits for it to stop.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: searchAttributeKeys.OrchestrationRunNamespace, value: run.namespace },
        { key: searchAttributeKeys.OrchestrationRunName, value: child.name },
        { key: searchAttributeKeys.OrchestrationRunUid, value: child.uid },
        { key: searchAttributeKeys.OrchestrationName, value: step.orchestration.name },
      ],
      staticSummary: `${ORCHESTRATION_RUN_KIND} ${childRef} · step ${step.name} of ${run.name}`,
      staticDetails: `${child.snapshot.steps.length} steps · uid ${child.uid} · Orchestration ${step.orchestration.name} · depth ${child.depth}`,
    });
  } catch (err) {
    if (isCancellation(err)) return { type: 'cancelled', step: index, at: now(), message: `cancelled before the workflow of child run ${childRef} started` };
    return { type: 'failed', step: index, at: now(), reason: Reasons.ChildRunFailed, message: `could not start the workflow of child run ${childRef}: ${causeOf(err)}` };
  }
  context.report({ type: 'running', step: index, at: now(), attempt: 1, childRun: child.name, message: `child run ${childRef} running` });
  context.children?.add(handle);
  try {
    const result = await handle.result();
    const output = JSON.stringify(result.outputs ?? {});
    return { type: 'succeeded', step: index, at: now(), attempts: 1, output };
  } catch (err) {
    // Cancelled by this run (its cancel, its deadline): the child was cancelled with it and has stopped.
    if (scope.consideredCancelled) return { type: 'cancelled', step: index, at: now(), message: `cancelled; child run ${childRef} cancelled with it` };
    const how = isCancellation(err) ? 'was cancelled' : `failed: ${causeOf(err)}`;
    return { type: 'failed', step: index, at: now(), reason: Reasons.ChildRunFailed, message: `child run ${childRef} ${how}` };
  } finally {
    context.children?.remove(workflowId);
  }
}
