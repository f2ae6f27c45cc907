/** What a step runner gets from the workflow: the run, template values, the grace period, a way to report. */
import type { ChildRuns } from './child-runs.js';
import type { ApprovalDecision, RunIdentity, StepEvent, TemplateValues } from '../core/workflow-safe.js';

/** A decision on an approval step, and who made it (spec:<field manager> or temporal:<identity>). */
export interface Decision {
  decision: ApprovalDecision;
  by: string;
  at: string;
}

export interface StepContext {
  run: RunIdentity;
  values: TemplateValues;
  /** The run's grace period; undefined: activities stop at once, Pods keep Kubernetes' default. */
  cancelGraceSeconds: number | undefined;
  /** Receives the events of a step between its start and its end (a job step's Job exists, a next attempt). */
  report: (event: StepEvent) => void;
  /** The decision on an approval step, once there is one. */
  decisionOf?: (step: string) => Decision | undefined;
  /** The run's running child runs (orchestration steps), which follow its suspend and resume. */
  children?: ChildRuns;
}

export const now = (): string => new Date().toISOString();
