/** The v1alpha1 API of orchestration.proompteng.ai as zod schemas: pure, no I/O, safe inside workflows. */
export * from './names.js';
export * from './meta.js';
export * from './issues.js';
export * from './kubernetes.js';
export * from './step.js';
export * from './job-step.js';
export * from './pod-placement.js';
export * from './security-context.js';
export * from './policy.js';
export * from './orchestration.js';
export * from './orchestration-run.js';
export * from './orchestration-run-status.js';
export * from './orchestration-schedule.js';
