/**
 * Where the workflow code comes from. `npm run build` bundles workflows/ once, ahead of time, into
 * dist/workflow-bundle.js; the built worker loads that file (no webpack at start). Run from source (tsx, the
 * in-process test workers) the worker bundles workflows/ itself, as the SDK does by default.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The bundle's path relative to a module in dist/worker/. */
const BUNDLE_FROM_WORKER = '../workflow-bundle.js';

/** Whether this module runs compiled (from dist/) rather than from TypeScript source. */
const compiled = import.meta.url.endsWith('.js');

/** workflows/index.ts from source, dist/workflows/index.js when compiled: what bundleWorkflowCode reads. */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index.${compiled ? 'js' : 'ts'}`, import.meta.url));

/** dist/workflow-bundle.js: written by `npm run build`, read by the built worker. */
export const WORKFLOW_BUNDLE_PATH = fileURLToPath(new URL(BUNDLE_FROM_WORKER, import.meta.url));

export type WorkflowSource = { workflowBundlePath: string } | { workflowsPath: string };

/**
 * What the worker entry point loads: compiled, the prebuilt bundle, which must exist; from source, workflows/
 * bundled at start. Throws, naming the file and the command that writes it, when a built worker has no bundle.
 */
export function entryPointWorkflowSource(): WorkflowSource {
  if (!compiled) return { workflowsPath: WORKFLOWS_PATH };
  if (!existsSync(WORKFLOW_BUNDLE_PATH)) {
    throw new Error(`the workflow bundle ${WORKFLOW_BUNDLE_PATH} is missing: run \`npm run build\`, which writes it beside the compiled code`);
  }
  return { workflowBundlePath: WORKFLOW_BUNDLE_PATH };
}
