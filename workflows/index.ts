/** Workflow code: runs inside Temporal's deterministic sandbox; imports only the pure core and @temporalio/workflow. */
export { orchestrationRunWorkflow, type OrchestrationRunResult } from './orchestration-run-workflow.js';
export { orchestrationScheduleWorkflow, type ScheduleFiringInput, type ScheduleFiringResult } from './orchestration-schedule-workflow.js';
