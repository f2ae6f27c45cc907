/** The pure core: API schemas and DAG rules; plain JSON in, plain JSON out, no I/O, clock or randomness. */
export * from './workflow-safe.js';
export * from './api/index.js';
export * from './spec-check.js';
export * from './resume.js';
export * from './schedule.js';
