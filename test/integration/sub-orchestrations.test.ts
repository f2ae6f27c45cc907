// Sub-orchestrations through the bridge, on the real sandbox: a step that runs another Orchestration as a
// child OrchestrationRun (owned by the parent, labelled), whose workflow is a Temporal child workflow of the
// parent's; its outputs reach the parent's later steps; a cancel of the parent reaches the child; a cycle
// of Orchestrations is refused with its path; a failing child fails the parent's step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildRunLabels, childRunNameFor } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { holdActivities } from '../support/gates.js';
import { startBridgeHarness, type BridgeHarness, type RunView } from '../support/bridge-harness.js';
import { stringify } from 'yaml';
import { kubectl, temporalCli, uniqueName } from '../support/sandbox.js';

const gates = holdActivities();
const stepActivities = {
  ...gates.stepActivities,
  echo(input: unknown) {
    return Promise.resolve((input as { text: string }).text);
  },
};

let h: BridgeHarness;
beforeAll(async () => {
  h = await startBridgeHarness('subrun', { worker: { stepActivities } });
});
afterAll(async () => {
  await h?.stop();
});

const step = (s: RunView, name: string) => s.steps?.find((e) => e.name === name);

async function until(name: string, what: string, test: (s: RunView) => boolean, timeoutMs = 60_000): Promise<RunView> {
  return waitFor(
    async () => {
      const s = await h.status(name);
      return test(s) ? s : undefined;
    },
    { what: `run ${name}: ${what}`, timeoutMs },
  );
}

interface Described {
  workflowExecutionInfo: { parentExecution?: { workflowId: string }; status: string };
  pendingChildren?: { workflowId: string }[];
}
async function describeWorkflow(workflowId: string): Promise<Described> {
  const out = await temporalCli(['workflow', 'describe', '--workflow-id', workflowId, '--output', 'json']);
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as Described;
}

interface ChildObject {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string }[] };
  spec: { orchestrationRef?: { name: string }; parameters?: Record<string, string> };
}
async function childrenOf(parent: string): Promise<ChildObject[]> {
  const out = await kubectl(['get', 'orchrun', '-n', h.ns, '-l', `${ChildRunLabels.parentRun}=${parent}`, '-o', 'json']);
  expect(out.code, out.stderr).toBe(0);
  return (JSON.parse(out.stdout) as { items: ChildObject[] }).items;
}

describe('orchestration steps', () => {
  it('runs the child as an owned, labelled run whose workflow is a child workflow; the next step reads its outputs', async () => {
    const child = uniqueName('greeter');
    const parent = uniqueName('parent');
    await h.apply('Orchestration', child, {
      steps: [
        { name: 'wait', activity: { name: 'hold', input: { id: parent } } },
        { name: 'greet', activity: { name: 'echo', input: { text: 'hello {{params.who}}' } } },
      ],
    });
    await h.apply('OrchestrationRun', parent, {
      parameters: { who: 'world' },
      steps: [
        { name: 'first', activity: { name: 'echo', input: { text: 'w-o-r-l-d' } } },
        { name: 'middle', orchestration: { name: child, parameters: { who: '{{params.who}} via {{steps.first.output}}' } } },
        { name: 'last', activity: { name: 'echo', input: { text: 'child said {{steps.middle.output}}' } } },
      ],
    });
    const running = await until(parent, 'middle running its child', (s) => step(s, 'middle')?.phase === 'Running' && step(s, 'middle')?.childRun !== undefined);
    const childName = step(running, 'middle')!.childRun!;
    expect(childName).toBe(childRunNameFor({ name: parent, uid: running.uid }, 'middle'));

    // Visible with kubectl: owned by the parent, labelled with it, its parameters substituted.
    const [listed, ...more] = await childrenOf(parent);
    expect(more).toEqual([]);
    expect(listed!.metadata.name).toBe(childName);
    expect(listed!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'OrchestrationRun', name: parent, uid: running.uid })]);
    expect(listed!.metadata.labels).toMatchObject({ [ChildRunLabels.parentStep]: 'middle', [ChildRunLabels.parentUid]: running.uid, [ChildRunLabels.depth]: '1' });
    expect(listed!.spec).toEqual({ orchestrationRef: { name: child }, parameters: { who: 'world via w-o-r-l-d' } });

    // The child's workflow runs as a child workflow of the parent's, and the bridge mirrors it like any run.
    const childRunning = await until(childName, 'running with its workflow recorded', (s) => s.phase === 'Running' && s.temporal?.workflowId !== undefined);
    const parentWorkflow = await describeWorkflow(running.temporal!.workflowId);
    expect(parentWorkflow.pendingChildren?.map((c) => c.workflowId)).toEqual([childRunning.temporal!.workflowId]);
    const childWorkflow = await describeWorkflow(childRunning.temporal!.workflowId);
    expect(childWorkflow.workflowExecutionInfo.parentExecution?.workflowId).toBe(running.temporal!.workflowId);

    gates.release(parent);
    const done = await h.phaseOf(parent, 'Succeeded');
    const childDone = await h.phaseOf(childName, 'Succeeded');
    expect(step(childDone, 'greet')?.output).toBe('hello world via w-o-r-l-d');
    expect(JSON.parse(step(done, 'middle')!.output!)).toEqual({ wait: 'released', greet: 'hello world via w-o-r-l-d' });
    expect(step(done, 'middle')).toMatchObject({ phase: 'Succeeded', childRun: childName });
    expect(step(done, 'last')?.output).toBe(`child said ${step(done, 'middle')!.output!}`);
  });

  it('a parent cancelled while its child runs ends Cancelled, and so does the child, naming the parent', async () => {
    const child = uniqueName('slow');
    const parent = uniqueName('cparent');
    await h.apply('Orchestration', child, { steps: [{ name: 'forever', activity: { name: 'sleep', input: { seconds: 3600 } } }] });
    await h.apply('OrchestrationRun', parent, { steps: [{ name: 'sub', orchestration: { name: child } }, { name: 'after', activity: { name: 'echo', input: { text: 'x' } } }] });
    const running = await until(parent, 'sub running its child', (s) => step(s, 'sub')?.childRun !== undefined);
    const childName = step(running, 'sub')!.childRun!;
    await until(childName, 'its step running', (s) => step(s, 'forever')?.phase === 'Running');

    const patched = await kubectl(['patch', 'orchrun', parent, '-n', h.ns, '--type=merge', '-p', '{"spec":{"cancel":true}}']);
    expect(patched.code, patched.stderr).toBe(0);
    const done = await h.phaseOf(parent, 'Cancelled');
    expect(done.cancelledBy).toBe('spec:kubectl-patch');
    expect(step(done, 'sub')?.phase).toBe('Cancelled');
    expect(step(done, 'after')?.phase).toBe('Cancelled');
    const childDone = await until(childName, 'Cancelled naming its parent', (s) => s.phase === 'Cancelled' && s.cancelledBy !== undefined);
    expect(childDone.cancelledBy).toBe(`parent:${parent}`);
    expect(childDone.conditions?.find((c) => c.type === 'Cancelled')).toMatchObject({ status: 'True', reason: 'ParentCancelled' });
    expect(step(childDone, 'forever')?.phase).toBe('Cancelled');
  });

  it('a cycle of Orchestrations is refused before the run starts, naming the path', async () => {
    const a = uniqueName('a');
    const b = uniqueName('b');
    await h.apply('Orchestration', a, { steps: [{ name: 'to-b', orchestration: { name: b } }] });
    await h.apply('Orchestration', b, { steps: [{ name: 'to-a', orchestration: { name: a } }] });
    const run = uniqueName('cycle');
    await h.apply('OrchestrationRun', run, { orchestrationRef: { name: a } });
    const failed = await h.phaseOf(run, 'Failed');
    expect(failed.message).toContain(`Orchestration ${a} → ${b} → ${a}`);
    expect(failed.conditions?.find((c) => c.type === 'Succeeded')?.reason).toBe('InvalidSpec');
    expect(failed.temporal).toBeUndefined();
    expect(await childrenOf(run)).toEqual([]);
    // Each Orchestration of the cycle says so itself, as kubectl shows it.
    for (const [name, path] of [
      [a, `${a} → ${b} → ${a}`],
      [b, `${b} → ${a} → ${b}`],
    ] as const) {
      const ready = await waitFor(
        async () => {
          const got = await kubectl(['get', 'orchestrations.orchestration.proompteng.ai', name, '-n', h.ns, '-o', 'json']);
          const condition = (JSON.parse(got.stdout) as { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }).status?.conditions?.find((c) => c.type === 'Ready');
          return condition?.status === 'False' ? condition : undefined;
        },
        { what: `Orchestration ${name} Ready=False`, timeoutMs: 60_000 },
      );
      expect(ready).toMatchObject({ reason: 'InvalidSpec', message: expect.stringContaining(`Orchestration ${path}`) as unknown });
    }
  });

  it('a failing child fails the parent step, naming the child run', async () => {
    const child = uniqueName('failing');
    const parent = uniqueName('fparent');
    await h.apply('Orchestration', child, { steps: [{ name: 'boom', activity: { name: 'fail', input: { message: 'it broke' } } }] });
    await h.apply('OrchestrationRun', parent, { steps: [{ name: 'sub', orchestration: { name: child } }, { name: 'after', activity: { name: 'echo', input: { text: 'x' } } }] });
    const done = await h.phaseOf(parent, 'Failed');
    const sub = step(done, 'sub')!;
    expect(sub).toMatchObject({ phase: 'Failed', reason: 'ChildRunFailed' });
    expect(sub.message).toContain(`child run ${h.ns}/${sub.childRun!} failed`);
    expect(step(done, 'after')?.phase).toBe('Skipped');
    const childDone = await h.phaseOf(sub.childRun!, 'Failed');
    expect(step(childDone, 'boom')?.message).toContain('it broke');
  });

  it('a child cancelled on its own (its spec.cancel) fails the parent step, which says so', async () => {
    const child = uniqueName('alone');
    const parent = uniqueName('oparent');
    await h.apply('Orchestration', child, { steps: [{ name: 'forever', activity: { name: 'sleep', input: { seconds: 3600 } } }] });
    await h.apply('OrchestrationRun', parent, { steps: [{ name: 'sub', orchestration: { name: child } }] });
    const running = await until(parent, 'sub running its child', (s) => step(s, 'sub')?.childRun !== undefined);
    const childName = step(running, 'sub')!.childRun!;
    await until(childName, 'its step running', (s) => step(s, 'forever')?.phase === 'Running');
    expect((await kubectl(['patch', 'orchrun', childName, '-n', h.ns, '--type=merge', '-p', '{"spec":{"cancel":true}}'])).code).toBe(0);
    const childDone = await h.phaseOf(childName, 'Cancelled');
    expect(childDone.cancelledBy).toBe('spec:kubectl-patch');
    const done = await h.phaseOf(parent, 'Failed');
    expect(step(done, 'sub')).toMatchObject({ phase: 'Failed', reason: 'ChildRunFailed', message: `child run ${h.ns}/${childName} was cancelled` });
  });

  it('an orchestration step naming no Orchestration fails with that reason', async () => {
    const parent = uniqueName('mparent');
    await h.apply('OrchestrationRun', parent, { steps: [{ name: 'sub', orchestration: { name: 'no-such-orchestration' } }] });
    const done = await h.phaseOf(parent, 'Failed');
    expect(step(done, 'sub')).toMatchObject({ phase: 'Failed', reason: 'ChildRunInvalid' });
    expect(step(done, 'sub')?.message).toContain(`Orchestration ${h.ns}/no-such-orchestration not found`);
  });

  it("the parent's suspend and resume reach its running child, recorded as suspended by the parent", async () => {
    const child = uniqueName('held');
    const parent = uniqueName('sparent');
    await h.apply('Orchestration', child, {
      steps: [
        { name: 'wait', activity: { name: 'hold', input: { id: parent } } },
        { name: 'next', activity: { name: 'echo', input: { text: 'went on' } } },
      ],
    });
    await h.apply('OrchestrationRun', parent, { steps: [{ name: 'sub', orchestration: { name: child } }] });
    const running = await until(parent, 'sub running its child', (s) => step(s, 'sub')?.childRun !== undefined);
    const childName = step(running, 'sub')!.childRun!;
    await until(childName, 'wait running', (s) => step(s, 'wait')?.phase === 'Running');

    const suspend = (value: boolean) => kubectl(['patch', 'orchrun', parent, '-n', h.ns, '--type=merge', '-p', JSON.stringify({ spec: { suspend: value } })]);
    expect((await suspend(true)).code).toBe(0);
    const suspended = await until(childName, 'Suspended by its parent', (s) => s.conditions?.find((c) => c.type === 'Suspended')?.status === 'True');
    expect(suspended.suspendedBy).toBe(`parent:${parent}`);
    // The running step finishes; nothing new starts in the child while its parent is suspended.
    gates.release(parent);
    const held = await until(childName, 'wait done, still suspended', (s) => step(s, 'wait')?.phase === 'Succeeded');
    expect(held.suspendedBy).toBe(`parent:${parent}`);
    expect(step(held, 'next')?.phase).toBe('Pending');

    expect((await suspend(false)).code).toBe(0);
    const childDone = await h.phaseOf(childName, 'Succeeded');
    expect(step(childDone, 'next')?.output).toBe('went on');
    expect(childDone.suspendedBy).toBeUndefined();
    await h.phaseOf(parent, 'Succeeded');
  });

  it("the parent's deadline cancels its running child", async () => {
    const child = uniqueName('long');
    const parent = uniqueName('dparent');
    await h.apply('Orchestration', child, { steps: [{ name: 'forever', activity: { name: 'sleep', input: { seconds: 3600 } } }] });
    await h.apply('OrchestrationRun', parent, { activeDeadlineSeconds: 5, steps: [{ name: 'sub', orchestration: { name: child } }] });
    const done = await h.phaseOf(parent, 'Failed');
    expect(done.conditions?.find((c) => c.type === 'Succeeded')?.reason).toBe('DeadlineExceeded');
    const childName = step(done, 'sub')!.childRun!;
    expect(step(done, 'sub')?.phase).toBe('Cancelled');
    const childDone = await until(childName, 'Cancelled naming its parent', (s) => s.phase === 'Cancelled' && s.cancelledBy !== undefined);
    expect(childDone.cancelledBy).toBe(`parent:${parent}`);
  });

  it('a child run whose parent never starts its workflow waits, then fails once the parent ended', async () => {
    const template = uniqueName('orphan');
    const parent = uniqueName('eparent');
    await h.apply('Orchestration', template, { steps: [{ name: 'x', activity: { name: 'echo', input: { text: 'x' } } }] });
    await h.apply('OrchestrationRun', parent, { steps: [{ name: 'wait', activity: { name: 'hold', input: { id: parent } } }] });
    const running = await until(parent, 'wait running', (s) => step(s, 'wait')?.phase === 'Running');
    // A child as createChildRun makes one, but no workflow of the parent will ever start it.
    const name = uniqueName('stray');
    const created = await kubectl(
      ['apply', '-n', h.ns, '-f', '-'],
      stringify({
        apiVersion: 'orchestration.proompteng.ai/v1alpha1',
        kind: 'OrchestrationRun',
        metadata: {
          name,
          labels: { [ChildRunLabels.parentRun]: parent, [ChildRunLabels.parentUid]: running.uid, [ChildRunLabels.parentStep]: 'wait', [ChildRunLabels.depth]: '1' },
          ownerReferences: [{ apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', name: parent, uid: running.uid, controller: true }],
        },
        spec: { orchestrationRef: { name: template } },
      }),
    );
    expect(created.code, created.stderr).toBe(0);
    const waiting = await until(name, 'WaitingForParent', (s) => s.conditions?.find((c) => c.type === 'Ready')?.reason === 'WaitingForParent');
    expect(waiting.phase).toBe('Pending');
    expect(waiting.temporal).toBeUndefined();

    gates.release(parent);
    await h.phaseOf(parent, 'Succeeded');
    const failed = await h.phaseOf(name, 'Failed');
    expect(failed.conditions?.find((c) => c.type === 'Succeeded')?.reason).toBe('ParentEnded');
    expect(failed.message).toBe(`parent run ${parent} ended Succeeded before it started this child run's workflow`);
    expect(failed.temporal).toBeUndefined();
  });
});

describe('orchestration steps under a concurrency limit', () => {
  let limited: BridgeHarness;
  beforeAll(async () => {
    limited = await startBridgeHarness('subrun-limit', { worker: { stepActivities }, settings: { concurrency: { namespace: 1 } } });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('a child takes no slot: under a namespace limit of 1 the parent holds it, its child runs, the next run waits its turn', async () => {
    const child = uniqueName('inner');
    const parent = uniqueName('lparent');
    const next = uniqueName('next');
    await limited.apply('Orchestration', child, { steps: [{ name: 'wait', activity: { name: 'hold', input: { id: parent } } }] });
    await limited.apply('OrchestrationRun', parent, { steps: [{ name: 'sub', orchestration: { name: child } }] });
    const running = await waitFor(
      async () => {
        const s = await limited.status(parent);
        return s.steps?.[0]?.childRun ? s : undefined;
      },
      { what: `run ${parent}: its child started`, timeoutMs: 60_000 },
    );
    const childName = running.steps![0]!.childRun!;
    await waitFor(async () => ((await limited.status(childName)).steps?.[0]?.phase === 'Running' ? true : undefined), { what: `child ${childName} running`, timeoutMs: 60_000 });
    await limited.apply('OrchestrationRun', next, { steps: [{ name: 'x', activity: { name: 'echo', input: { text: 'x' } } }] });
    const queued = await waitFor(
      async () => {
        const s = await limited.status(next);
        return s.queue ? s : undefined;
      },
      { what: `run ${next} queued`, timeoutMs: 60_000 },
    );
    // Held by the parent alone: the running child is not counted.
    expect(queued.queue).toMatchObject({ position: 1, of: 1 });
    expect(queued.message).toContain('(1 running)');
    expect((await limited.status(childName)).queue).toBeUndefined();

    gates.release(parent);
    await limited.phaseOf(parent, 'Succeeded');
    await limited.phaseOf(next, 'Succeeded');
  });
});
