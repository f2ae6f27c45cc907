/**
 * Pure, so the bridge (before it starts a run) and the worker (a child run it starts) resolve alike.
 * Resolves a run into the snapshot its workflow gets: steps from the run or its Orchestration (copied at
 * start, so later template edits do not reach it), settings of the run overriding the template's.
 */
import type { CancellationPolicy, Orchestration, OrchestrationRun } from './api/index.js';
import type { EarlierStep } from './resume.js';
import { planReuse } from './resume.js';
import type { RunPhase } from './api/names.js';
import type { RunSnapshot } from './run-snapshot.js';
import { stepProblems } from './spec-check.js';
import { specControls } from './spec-controls.js';

/** What a run with spec.resumeFrom needs from the run it resumes (bridge/resume-source.ts reads it). */
export type ResumeSource =
  | { ok: true; from: { name: string; uid: string; workflowId: string }; phase: RunPhase; snapshot: RunSnapshot; states: EarlierStep[]; generations: number }
  | { ok: false; problem: string };

export type Resolution =
  | { kind: 'ok'; snapshot: RunSnapshot }
  | { kind: 'orchestrationNotFound'; name: string }
  /** problems: one line each, unbounded; the status writers bound them (core/messages.ts). */
  | { kind: 'invalid'; problems: string[] };

/** The cancellation policy of a run: its own fields over its Orchestration's. */
export function effectiveCancellationPolicy(run: OrchestrationRun, orchestration: Orchestration | undefined): CancellationPolicy {
  return { ...orchestration?.spec.cancellationPolicy, ...run.spec.cancellationPolicy };
}

/** Where each list of a resolved run comes from: the run itself, its Orchestration, or the run it resumes. */
export type ListSource = 'run' | 'orchestration' | 'resumed';

/**
 * The step lists and parameters a run runs with. A resumed run takes what it does not give itself (nor its
 * Orchestration) from the run it resumes; a run's own finally steps replace its Orchestration's, as its own
 * steps would.
 */
export function runLists(run: OrchestrationRun, orchestration: Orchestration | undefined, earlier?: RunSnapshot) {
  const template = orchestration?.spec;
  const from = (own: unknown, fromTemplate: unknown): ListSource => (own !== undefined ? 'run' : fromTemplate !== undefined ? 'orchestration' : 'resumed');
  return {
    steps: run.spec.steps ?? template?.steps ?? earlier?.steps ?? [],
    parameters: run.spec.parameters ?? earlier?.parameters ?? {},
    finallySteps: run.spec.finally ?? template?.finally ?? earlier?.finally,
    sources: { steps: from(run.spec.steps, template?.steps), finally: from(run.spec.finally, template?.finally) },
  };
}

export function resolveRun(run: OrchestrationRun, orchestration: Orchestration | undefined, resume?: ResumeSource): Resolution {
  const ref = run.spec.orchestrationRef;
  if (ref && !orchestration) return { kind: 'orchestrationNotFound', name: ref.name };
  if (run.spec.resumeFrom && !resume?.ok) return { kind: 'invalid', problems: [resume?.ok === false ? resume.problem : 'resumeFrom: the resumed run was not read'] };
  const template = ref ? orchestration?.spec : undefined;
  const earlier = resume?.ok ? resume.snapshot : undefined;
  const { steps, parameters, finallySteps } = runLists(run, ref ? orchestration : undefined, earlier);
  const deadline = run.spec.activeDeadlineSeconds ?? template?.activeDeadlineSeconds ?? earlier?.activeDeadlineSeconds;
  const problems = stepProblems(steps, parameters, finallySteps);
  const grace = effectiveCancellationPolicy(run, ref ? orchestration : undefined).gracePeriodSeconds ?? earlier?.cancelGraceSeconds;
  if (problems.length > 0) return { kind: 'invalid', problems };
  const controls = specControls(run);
  let resumed: RunSnapshot['resume'];
  if (resume?.ok) {
    const plan = planReuse(
      { steps, parameters, rerun: run.spec.rerun ?? [], finally: finallySteps },
      { name: resume.from.name, phase: resume.phase, steps: resume.snapshot.steps, parameters: resume.snapshot.parameters, states: resume.states, generations: resume.generations },
    );
    if (plan.problems.length > 0) return { kind: 'invalid', problems: plan.problems };
    resumed = { from: resume.from, reused: plan.reused };
  }
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
        parallelism: run.spec.parallelism ?? template?.parallelism ?? earlier?.policy.parallelism ?? 0,
        failFast: run.spec.failFast ?? template?.failFast ?? earlier?.policy.failFast ?? false,
      },
      writeStatus: true,
      ...(finallySteps ? { finally: finallySteps } : {}),
      ...(deadline !== undefined ? { activeDeadlineSeconds: deadline } : {}),
      ...(resumed ? { resume: resumed } : {}),
      ...(controls ? { controls } : {}),
      // Unset stays unset: a Job's Pods then keep Kubernetes' own termination grace period.
      ...(grace !== undefined ? { cancelGraceSeconds: grace } : {}),
    },
  };
}
