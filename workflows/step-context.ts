/** What a step runner gets from the workflow: the run, template values, the grace period, a way to report. */
import type { RunIdentity, StepEvent, TemplateValues } from '../core/workflow-safe.js';

export interface StepContext {
  run: RunIdentity;
  values: TemplateValues;
  /** The run's grace period; undefined: activities stop at once, Pods keep Kubernetes' default. */
  cancelGraceSeconds: number | undefined;
  /** Receives the events of a step between its start and its end (a job step's Job exists, a next attempt). */
  report: (event: StepEvent) => void;
}

export const now = (): string => new Date().toISOString();
