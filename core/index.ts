/** The pure core: API schemas and DAG rules; plain JSON in, plain JSON out, no I/O, clock or randomness. */
export * from './api/index.js';
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
export * from './spec-check.js';
