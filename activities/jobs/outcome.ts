/**
 * How an attempt's Job ended, read from the Job and its Pods. Pure: the activity fetches, this decides.
 * The outcome is the Pod's: its container's exit code, reason and termination message (the step's output).
 */
import type { V1ContainerStateTerminated, V1Job, V1JobCondition, V1Pod } from '@kubernetes/client-node';
import { STEP_CONTAINER, type StepJobOutcome } from '../../core/index.js';

/** The Complete or Failed condition of a finished Job; undefined while it runs. */
export function finishedCondition(job: V1Job): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function created(pod: V1Pod): number {
  return new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
}

/** The step container's terminated state in the newest Pod that has one. */
export function terminatedStep(pods: V1Pod[]): V1ContainerStateTerminated | undefined {
  const newestFirst = [...pods].sort((a, b) => created(b) - created(a));
  for (const pod of newestFirst) {
    const status = pod.status?.containerStatuses?.find((c) => c.name === STEP_CONTAINER);
    if (status?.state?.terminated) return status.state.terminated;
  }
  return undefined;
}

function exited(t: V1ContainerStateTerminated): string {
  return `container "${STEP_CONTAINER}" exited with code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}`;
}

/** A non-empty termination message; undefined otherwise. */
function outputOf(t: V1ContainerStateTerminated | undefined): { output?: string } {
  return t?.message ? { output: t.message } : {};
}

/**
 * The outcome of a finished Job, or undefined while it runs. A completed Job whose Pod is already gone has
 * lost its output: that is reported missing, never as a success without output.
 */
export function jobOutcome(job: V1Job, pods: V1Pod[]): StepJobOutcome | undefined {
  const condition = finishedCondition(job);
  if (!condition) return undefined;
  const name = job.metadata?.name ?? '';
  const terminated = terminatedStep(pods);
  if (condition.type === 'Complete') {
    if (!terminated) return { result: 'missing', message: `Job ${name} completed, but its Pod was deleted before its output was read` };
    return { result: 'succeeded', message: `Job ${name} completed: ${exited(terminated)}`, ...outputOf(terminated) };
  }
  // A deadline outranks how the container ended: the Job controller killed it.
  const reason = condition.reason === 'DeadlineExceeded' ? condition.reason : (terminated?.reason ?? condition.reason ?? 'JobFailed');
  const why = terminated && condition.reason !== 'DeadlineExceeded' ? exited(terminated) : `${condition.reason ?? 'failed'}: ${condition.message ?? 'no message'}`;
  return { result: 'failed', reason, message: `Job ${name} failed: ${why}`, ...outputOf(terminated) };
}
