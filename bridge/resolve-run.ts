/**
 * Resolves a run into the snapshot its workflow gets: steps from the run or its Orchestration (copied at
 * start, so later template edits do not reach it), settings of the run overriding the template's.
 */
import {
  stepProblems,
  type CancellationPolicy,
  type Orchestration,
  type OrchestrationRun,
  type RunSnapshot,
} from '../core/index.js';

export type Resolution =
  | { kind: 'ok'; snapshot: RunSnapshot }
  | { kind: 'orchestrationNotFound'; name: string }
  /** problems: one line each, unbounded; the status writers bound them (core/messages.ts). */
  | { kind: 'invalid'; problems: string[] };

/** The cancellation policy of a run: its own fields over its Orchestration's. */
export function effectiveCancellationPolicy(run: OrchestrationRun, orchestration: Orchestration | undefined): CancellationPolicy {
  return { ...orchestration?.spec.cancellationPolicy, ...run.spec.cancellationPolicy };
}

export function resolveRun(run: OrchestrationRun, orchestration: Orchestration | undefined): Resolution {
  const ref = run.spec.orchestrationRef;
  if (ref && !orchestration) return { kind: 'orchestrationNotFound', name: ref.name };
  const template = ref ? orchestration?.spec : undefined;
  const steps = run.spec.steps ?? template?.steps ?? [];
  const parameters = run.spec.parameters ?? {};
  // A run's own finally steps replace its Orchestration's, as its own steps would.
  const finallySteps = run.spec.finally ?? template?.finally;
  const deadline = run.spec.activeDeadlineSeconds ?? template?.activeDeadlineSeconds;
  const problems = stepProblems(steps, parameters, finallySteps);
  const grace = effectiveCancellationPolicy(run, ref ? orchestration : undefined).gracePeriodSeconds;
  if (problems.length > 0) return { kind: 'invalid', problems };
  return {
    kind: 'ok',
    snapshot: {
      run: {
        namespace: run.metadata.namespace,
        name: run.metadata.name,
        uid: run.metadata.uid,
        ...(ref ? { orchestrationName: ref.name } : {}),
      },
      steps,
      parameters,
      policy: {
        parallelism: run.spec.parallelism ?? template?.parallelism ?? 0,
        failFast: run.spec.failFast ?? template?.failFast ?? false,
      },
      writeStatus: true,
      ...(finallySteps ? { finally: finallySteps } : {}),
      ...(deadline !== undefined ? { activeDeadlineSeconds: deadline } : {}),
      // Unset stays unset: a Job's Pods then keep Kubernetes' own termination grace period.
      ...(grace !== undefined ? { cancelGraceSeconds: grace } : {}),
    },
  };
}
