/** The DAG rules: sandbox-safe, no I/O; shared by the workflow and the bridge. */
export * from './graph.js';
export * from './templates.js';
export * from './validate.js';
export * from './state.js';
