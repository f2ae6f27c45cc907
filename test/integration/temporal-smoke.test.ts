// The sandbox's Temporal is the real dev server: a client runs a workflow on it through a real worker, the
// `temporal` CLI sees the result, the custom search attributes exist, and the Web UI answers.
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { connectTemporal } from '../../common/temporal-connection.js';
import { NativeConnection, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../core/index.js';
import { probe } from '../../sandbox/http-probe.js';
import * as activities from './fixtures/smoke-activities.js';
import type { greet } from './fixtures/smoke-workflows.js';
import { sandboxEnv, temporalCli, uniqueName } from '../support/sandbox.js';

describe('Temporal dev server', () => {
  it('runs a workflow end to end and shows it in the CLI', async () => {
    const env = sandboxEnv();
    const taskQueue = uniqueName('smoke');
    const workflowId = uniqueName('greet');
    const nativeConnection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
    const connection = await connectTemporal({ address: env.TEMPORAL_ADDRESS });
    try {
      const worker = await Worker.create({
        connection: nativeConnection,
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue,
        workflowsPath: fileURLToPath(new URL('./fixtures/smoke-workflows.ts', import.meta.url)),
        activities,
      });
      const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
      const result = await worker.runUntil(client.workflow.execute<typeof greet>('greet', { taskQueue, workflowId, args: ['sandbox'] }));
      expect(result).toBe('hello SANDBOX');

      const described = await temporalCli(['workflow', 'describe', '--workflow-id', workflowId, '--output', 'json']);
      expect(described.stderr).toBe('');
      expect(JSON.parse(described.stdout)).toMatchObject({ workflowExecutionInfo: { status: 'WORKFLOW_EXECUTION_STATUS_COMPLETED' } });
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  });

  it('has the custom search attributes registered', async () => {
    const listed = await temporalCli(['operator', 'search-attribute', 'list', '--output', 'json']);
    expect(listed.stderr).toBe('');
    const custom = (JSON.parse(listed.stdout) as { customAttributes: Record<string, string> }).customAttributes;
    for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(custom[name]).toBe('INDEXED_VALUE_TYPE_KEYWORD');
  });

  it('serves the Web UI', async () => {
    const page = await probe(sandboxEnv().TEMPORAL_UI_URL);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
  });
});
