// The bridge as a real process, killed with SIGKILL: after a restart there is still exactly one workflow
// per run, and a run whose workflow closed while the bridge was down gets its true status.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { entryPointArgs } from '../../sandbox/entry-point.js';
import { installCrds } from '../../sandbox/kubernetes/apply.js';
import { waitFor } from '../../sandbox/wait.js';
import { kubeConfig, kubectl, sandboxEnv, temporalCli, uniqueName } from '../support/sandbox.js';
import { startTestWorker, type TestWorker } from '../support/temporal.js';

const root = join(import.meta.dirname, '..', '..');
let tw: TestWorker;
let ns: string;
const bridges: ChildProcess[] = [];

function startBridge(): ChildProcess {
  const env = sandboxEnv();
  const child = spawn(process.execPath, entryPointArgs('bridge'), {
    cwd: root,
    env: {
      ...process.env,
      KUBECONFIG: env.KUBECONFIG,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
      ORCHESTRATION_TASK_QUEUE: tw.taskQueue,
      JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES: ns,
      BRIDGE_LEASE_NAMESPACE: ns,
      BRIDGE_HTTP_PORT: '0',
    },
    stdio: 'ignore',
    detached: true,
  });
  bridges.push(child);
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  const gone = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGKILL');
  return gone;
}

beforeAll(async () => {
  await installCrds(sandboxEnv().KUBECONFIG);
  ns = uniqueName('restart');
  await kubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  tw = await startTestWorker();
});
afterAll(async () => {
  for (const b of bridges) if (b.exitCode === null && b.signalCode === null) await kill(b).catch(() => undefined);
  await tw?.stop();
});

const jsonpath = async (name: string, path: string) => (await kubectl(['get', 'orchrun', name, '-n', ns, '-o', `jsonpath=${path}`])).stdout;
const apply = (name: string, seconds: number) =>
  kubectl(['apply', '-n', ns, '-f', '-'], stringify({ apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name }, spec: { steps: [{ name: 'work', activity: { name: 'sleep', input: { seconds } } }] } }));

describe('bridge process restarts', () => {
  it('keeps exactly one workflow per run across a SIGKILL, and ends with the right status', { timeout: 120_000 }, async () => {
    const name = uniqueName('killed');
    const first = startBridge();
    await apply(name, 8);
    const workflowId = await waitFor(async () => (await jsonpath(name, '{.status.temporal.workflowId}')) || undefined, { what: 'workflow started', timeoutMs: 60_000 });
    await kill(first);
    startBridge();
    await waitFor(async () => ((await jsonpath(name, '{.status.phase}')) === 'Succeeded' ? true : undefined), { what: `run ${name} Succeeded`, timeoutMs: 60_000 });
    const count = await temporalCli(['workflow', 'count', '--query', `OrchestrationRunNamespace = '${ns}' AND OrchestrationRunName = '${name}'`]);
    expect(count.stdout.trim()).toBe('Total: 1');
    expect(await jsonpath(name, '{.status.temporal.workflowId}')).toBe(workflowId);
  });

  it('catches up at start with a workflow terminated while it was down', { timeout: 120_000 }, async () => {
    const name = uniqueName('down');
    for (const b of bridges) if (b.exitCode === null && b.signalCode === null) await kill(b);
    const bridge = startBridge();
    await apply(name, 600);
    const workflowId = await waitFor(async () => (await jsonpath(name, '{.status.temporal.workflowId}')) || undefined, { what: 'workflow started', timeoutMs: 60_000 });
    await kill(bridge);
    expect((await temporalCli(['workflow', 'terminate', '--workflow-id', workflowId, '--reason', 'while the bridge was down'])).code).toBe(0);
    expect(await jsonpath(name, '{.status.phase}')).toBe('Running');
    startBridge();
    await waitFor(async () => ((await jsonpath(name, '{.status.phase}')) === 'Failed' ? true : undefined), { what: `run ${name} Failed`, timeoutMs: 60_000 });
    expect(await jsonpath(name, '{.status.message}')).toBe('workflow terminated: while the bridge was down');
    expect(await jsonpath(name, '{.status.conditions[?(@.type=="Succeeded")].reason}')).toBe('WorkflowTerminated');
  });
});
