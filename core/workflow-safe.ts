/**
 * The core without its zod schemas: what workflows/ imports. Temporal's reusable VM imports the workflow
 * modules afresh for every workflow it starts or replays, so each schema in this import graph would be built
 * again per workflow; the rules and constants here do no work at import. The schemas' types come along as
 * types only (erased), and test/unit/workflow-bundle.test.ts checks that no schema module is bundled.
 */
export * from './api/names.js';
export type { JobStep } from './api/job-step.js';
export type { Step } from './api/step.js';
export * from './search-attributes.js';
export * from './dag/index.js';
export * from './run-snapshot.js';
export * from './run-status.js';
export * from './step-activity.js';
export * from './conditions.js';
export * from './job-step.js';
export * from './retention.js';
export * from './cancel.js';
export * from './step-retry.js';
export * from './messages.js';
export * from './sub-orchestration.js';
