/** The pure core: API schemas and DAG rules; plain JSON in, plain JSON out, no I/O, clock or randomness. */
export * from './api/index.js';
export * from './search-attributes.js';
export * from './dag/index.js';
