/**
 * The finally steps of a run: after its DAG ended, however it ended, they run as a DAG of their own. The
 * caller runs them shielded from the run's cancellation; each is bounded by its own timeoutSeconds and
 * retry, and the bridge's cancel timeout bounds a cancelled run as a whole.
 */
import { condition } from '@temporalio/workflow';
import { stepsToStart, type FinallyPart, type SchedulePolicy, type Step, type StepEvent, type TemplateValues } from '../core/workflow-safe.js';
import { now, type StepContext } from './step-context.js';
import { runStep } from './step-runner.js';

/** Finally steps all start once their dependencies ended; failFast does not apply to cleanup. */
const FINALLY_POLICY: SchedulePolicy = { parallelism: 0, failFast: false };

export async function runFinallySteps(
  steps: readonly Step[],
  fin: FinallyPart,
  context: Omit<StepContext, 'values'> & { values: () => TemplateValues },
): Promise<void> {
  const ended: StepEvent[] = [];
  let inflight = 0;
  for (;;) {
    for (const i of stepsToStart(fin.state, FINALLY_POLICY)) {
      const step = steps[i]!;
      context.report({ type: 'started', step: i, at: now(), ...(step.job ? { launching: true } : {}) });
      inflight += 1;
      void runStep(step, i, { ...context, values: context.values() })
        .catch((err: unknown): StepEvent => ({ type: 'failed', step: i, at: now(), reason: 'StepError', message: String(err) }))
        .then((event) => ended.push(event));
    }
    if (inflight === 0) return;
    await condition(() => ended.length > 0);
    for (const event of ended.splice(0)) {
      inflight -= 1;
      context.report(event);
    }
  }
}
