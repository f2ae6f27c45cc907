// The workflow code bundles for Temporal's sandbox: a Node builtin or non-workflow SDK import fails here. The
// reusable VM imports the bundle's modules for every workflow it starts or replays, so the bundle holds no
// zod and no API schema: building them per workflow was 38 % of the workflow thread (BENCHMARKS.md).
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledModules, bundleWorkflows } from '../support/workflow-bundle.js';

/** Modules that build zod schemas when imported; core/api/names.ts holds only constants. */
const buildsSchemas = (path: string) => path.includes('/node_modules/zod/') || (path.startsWith('./core/api/') && path !== './core/api/names.ts');

describe('workflows/', () => {
  let code = '';
  beforeAll(async () => {
    code = await bundleWorkflows();
  }, 60_000);

  it('bundles with bundleWorkflowCode', () => {
    expect(code).toContain('orchestrationRunWorkflow');
  });

  it('bundles no zod and no API schema module', () => {
    const modules = bundledModules(code);
    // The module list was read: the workflow's own module is in it.
    expect(modules).toContain('./workflows/orchestration-run-workflow.ts');
    expect(modules.filter(buildsSchemas)).toEqual([]);
  });
});
