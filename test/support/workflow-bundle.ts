/** workflows/ bundled as the worker bundles it, and the modules a bundle holds. */
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/create-worker.js';

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (message: string) => console.error(message) };

/** The code of workflows/ bundled with the SDK's bundleWorkflowCode; bundler errors go to stderr. */
export async function bundleWorkflows(): Promise<string> {
  return (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet })).code;
}

/**
 * The modules of a bundle by path relative to the project (`./core/dag/state.ts`,
 * `./node_modules/zod/v4/core/core.js`), read from the header webpack writes above each module.
 */
export function bundledModules(code: string): string[] {
  return [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"$/gm)].map((match) => match[1] ?? '');
}
