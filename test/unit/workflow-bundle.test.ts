// The workflow code bundles for Temporal's sandbox: a Node builtin or non-workflow SDK import fails here.
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../worker/create-worker.js';

describe('workflows/', () => {
  it('bundles with bundleWorkflowCode', { timeout: 60_000 }, async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m), debug: () => undefined, trace: () => undefined } });
    expect(bundle.code).toContain('orchestrationRunWorkflow');
  });
});
