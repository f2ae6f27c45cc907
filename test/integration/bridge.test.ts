// The bridge as a user meets it: kubectl creates runs, the bridge mirrors each into one workflow, and the
// CR ends in a truthful status, also when the workflow is terminated from the temporal CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../sandbox/wait.js';
import { kubectl, sandboxEnv, temporalCli, uniqueName } from '../support/sandbox.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';

let h: BridgeHarness;
let ns: string;

beforeAll(async () => {
  h = await startBridgeHarness('bridge');
  ns = h.ns;
});
afterAll(async () => {
  await h?.stop();
});

const sleep = (seconds: number) => ({ activity: { name: 'sleep', input: { seconds } } });
const apply = (kind: 'OrchestrationRun' | 'Orchestration', name: string, spec: unknown) => h.apply(kind, name, spec);
const status = (name: string) => h.status(name);
const phaseOf = (name: string, phase: string, timeoutMs = 60_000) => h.phaseOf(name, phase, timeoutMs);

describe('bridge', () => {
  it('runs a kubectl-created run to Succeeded with every step status, the workflow ref and Events', async () => {
    const name = uniqueName('ok');
    expect((await apply('OrchestrationRun', name, { steps: [{ name: 'a', ...sleep(0) }, { name: 'b', ...sleep(0) }] })).code).toBe(0);
    const done = await phaseOf(name, 'Succeeded');
    expect(done.steps?.map((s) => [s.name, s.phase])).toEqual([['a', 'Succeeded'], ['b', 'Succeeded']]);
    expect(done.finalizers).toEqual(['orchestration.proompteng.ai/runtime-cleanup']);
    expect(done.temporal).toMatchObject({ namespace: 'default', taskQueue: h.tw.taskQueue, workflowId: expect.stringContaining(`orchestrationrun/${ns}/${name}/`) as string });
    expect(done.temporal?.uiUrl).toContain(`${sandboxEnv().TEMPORAL_UI_URL}/namespaces/default/workflows/`);
    expect(done.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' }), expect.objectContaining({ type: 'Succeeded', status: 'True' })]),
    );
    const events = await waitFor(
      async () => {
        const out = await kubectl(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`, '-o', 'jsonpath={.items[*].reason}']);
        return out.stdout.includes('Started') && out.stdout.includes('Succeeded') ? out.stdout : undefined;
      },
      { what: 'Started and Succeeded events', timeoutMs: 10_000 },
    );
    expect(events.split(' ')).toEqual(expect.arrayContaining(['Started', 'Succeeded']));
    const listed = await temporalCli(['workflow', 'count', '--query', `OrchestrationRunNamespace = '${ns}' AND OrchestrationRunName = '${name}'`]);
    expect(listed.stdout.trim()).toBe('Total: 1');
  });

  it('fails an invalid run with InvalidSpec and the cycle path, and starts no workflow', async () => {
    const name = uniqueName('cycle');
    await apply('OrchestrationRun', name, { steps: [{ name: 'a', dependsOn: ['b'], ...sleep(0) }, { name: 'b', dependsOn: ['a'], ...sleep(0) }] });
    const failed = await phaseOf(name, 'Failed');
    expect(failed.message).toBe('invalid spec: dependency cycle: a → b → a');
    expect(failed.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidSpec' }));
    const count = await temporalCli(['workflow', 'count', '--query', `OrchestrationRunNamespace = '${ns}' AND OrchestrationRunName = '${name}'`]);
    expect(count.stdout.trim()).toBe('Total: 0');
  });

  it('waits for a missing Orchestration, then starts the run once it exists', async () => {
    const run = uniqueName('later');
    const template = uniqueName('tmpl');
    await apply('OrchestrationRun', run, { orchestrationRef: { name: template } });
    const pending = await phaseOf(run, 'Pending');
    expect(pending.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False', reason: 'OrchestrationNotFound' }));
    await apply('Orchestration', template, { steps: [{ name: 'from-template', ...sleep(0) }] });
    const done = await phaseOf(run, 'Succeeded');
    expect(done.steps?.map((s) => s.name)).toEqual(['from-template']);
  });

  it('shows a workflow terminated with the temporal CLI as Failed/WorkflowTerminated with the reason', async () => {
    const name = uniqueName('term');
    await apply('OrchestrationRun', name, { steps: [{ name: 'long', ...sleep(600) }] });
    const running = await waitFor(async () => ((await status(name)).temporal?.workflowId ? status(name) : undefined), { what: 'workflow started', timeoutMs: 30_000 });
    const terminated = await temporalCli(['workflow', 'terminate', '--workflow-id', running.temporal!.workflowId, '--reason', 'stuck on purpose']);
    expect(terminated.code).toBe(0);
    const failed = await phaseOf(name, 'Failed', 30_000);
    expect(failed.message).toBe('workflow terminated: stuck on purpose');
    expect(failed.conditions).toContainEqual(expect.objectContaining({ type: 'Succeeded', status: 'False', reason: 'WorkflowTerminated' }));
  });
});
