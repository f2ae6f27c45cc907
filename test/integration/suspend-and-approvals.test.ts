// Suspend and resume, and approval steps, each from kubectl (spec.suspend, spec.approvals: the field manager
// recorded) and from Temporal (updates from the temporal CLI: its identity recorded), through the bridge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../sandbox/wait.js';
import { hold, holdActivities } from '../support/gates.js';
import { startBridgeHarness, type BridgeHarness, type RunView } from '../support/bridge-harness.js';
import { kubectl, temporalCli, uniqueName } from '../support/sandbox.js';

const gates = holdActivities();
const { stepActivities } = gates;

let h: BridgeHarness;
beforeAll(async () => {
  h = await startBridgeHarness('controls', { worker: { stepActivities } });
});
afterAll(async () => {
  await h?.stop();
});

const sleep = (seconds: number) => ({ activity: { name: 'sleep', input: { seconds } } });
const patch = (name: string, spec: unknown) => kubectl(['patch', 'orchrun', name, '-n', h.ns, '--type=merge', '-p', JSON.stringify({ spec })]);
const update = (workflowId: string, name: string, input?: unknown) =>
  temporalCli(['workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', name, ...(input === undefined ? [] : ['--input', JSON.stringify(input)])]);

async function until(name: string, what: string, test: (s: RunView) => boolean, timeoutMs = 60_000): Promise<RunView> {
  return waitFor(
    async () => {
      const s = await h.status(name);
      return test(s) ? s : undefined;
    },
    { what: `run ${name}: ${what}`, timeoutMs },
  );
}

const step = (s: RunView, name: string) => s.steps?.find((e) => e.name === name);
const suspended = (s: RunView) => s.conditions?.find((c) => c.type === 'Suspended');

/** The workflow's own view (its query): what it will start next is decided there, not on the CR. */
async function workflowState(workflowId: string): Promise<{ suspended: boolean; steps: { name: string; phase: string }[]; waitingForApproval: string[] }> {
  const out = await temporalCli(['workflow', 'query', '--workflow-id', workflowId, '--name', 'getRunState', '--output', 'json']);
  expect(out.code, out.stderr).toBe(0);
  const parsed = JSON.parse(out.stdout) as { queryResult: unknown[] } | unknown[];
  return (Array.isArray(parsed) ? parsed[0] : parsed.queryResult[0]) as never;
}

describe('suspend and resume', () => {
  it('spec.suspend: true lets the running step finish and starts nothing new until false; who did it is shown', async () => {
    const name = uniqueName('susp');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'first', ...hold(name) }, { name: 'second', ...sleep(0) }, { name: 'third', ...sleep(0) }] });
    const running = await until(name, 'first running', (s) => step(s, 'first')?.phase === 'Running');
    expect((await patch(name, { suspend: true })).code).toBe(0);
    await until(name, 'Suspended', (s) => suspended(s)?.status === 'True');
    gates.release(name);
    const held = await until(name, 'Suspended and first done', (s) => suspended(s)?.status === 'True' && step(s, 'first')?.phase === 'Succeeded');
    expect(held.suspendedBy).toBe('spec:kubectl-patch');
    expect(suspended(held)?.reason).toBe('Suspended');
    expect(suspended(held)?.message).toContain('spec:kubectl-patch');
    // The workflow itself has first done and second not started: the hold is real, not a status lag.
    const inWorkflow = await workflowState(running.temporal!.workflowId);
    expect(inWorkflow.suspended).toBe(true);
    expect(inWorkflow.steps.map((s) => s.phase)).toEqual(['Succeeded', 'Pending', 'Pending']);
    expect(held.phase).toBe('Running');

    expect((await patch(name, { suspend: false })).code).toBe(0);
    const done = await h.phaseOf(name, 'Succeeded');
    expect(done.suspendedBy).toBeUndefined();
    expect(suspended(done)).toMatchObject({ status: 'False', reason: 'RunEnded' });
  });

  it('the suspend and resume updates from the temporal CLI show on the run with the CLI identity; the bridge does not undo them', async () => {
    const name = uniqueName('tsusp');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'first', ...hold(name) }, { name: 'second', ...sleep(0) }] });
    const running = await until(name, 'first running', (s) => step(s, 'first')?.phase === 'Running');
    const workflowId = running.temporal!.workflowId;
    const sent = await update(workflowId, 'suspend');
    expect(sent.code, sent.stderr).toBe(0);
    gates.release(name);
    const held = await until(name, 'Suspended', (s) => suspended(s)?.status === 'True' && step(s, 'first')?.phase === 'Succeeded');
    expect(held.suspendedBy).toMatch(/^temporal:temporal-cli:/);
    // A spec edit that does not touch suspend (a new generation) leaves the suspension alone.
    expect((await patch(name, { ttlSecondsAfterFinished: 3600 })).code).toBe(0);
    await until(name, 'generation 2 observed', (s) => s.observedGeneration === 2);
    expect((await workflowState(workflowId)).suspended).toBe(true);

    expect((await update(workflowId, 'resume')).code).toBe(0);
    const done = await h.phaseOf(name, 'Succeeded');
    expect(done.steps?.map((s) => s.phase)).toEqual(['Succeeded', 'Succeeded']);
  });

  it('a run created suspended starts no step until resumed; removing spec.suspend resumes it', async () => {
    const name = uniqueName('born');
    await h.apply('OrchestrationRun', name, { suspend: true, steps: [{ name: 'first', ...sleep(0) }, { name: 'second', ...sleep(0) }] });
    const held = await until(name, 'Suspended', (s) => suspended(s)?.status === 'True');
    expect(held.suspendedBy).toBe('spec:kubectl-client-side-apply');
    expect((await workflowState(held.temporal!.workflowId)).steps.map((s) => s.phase)).toEqual(['Pending', 'Pending']);
    const removed = await kubectl(['patch', 'orchrun', name, '-n', h.ns, '--type=json', '-p', '[{"op":"remove","path":"/spec/suspend"}]']);
    expect(removed.code, removed.stderr).toBe(0);
    const done = await h.phaseOf(name, 'Succeeded');
    expect(done.steps?.map((s) => s.phase)).toEqual(['Succeeded', 'Succeeded']);
  });

  it('a suspend or resume of a finished run is refused, naming why', async () => {
    const name = uniqueName('ended');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'only', ...sleep(0) }] });
    const done = await h.phaseOf(name, 'Succeeded');
    const sent = await update(done.temporal!.workflowId, 'suspend');
    expect(sent.code).not.toBe(0);
    expect(sent.stderr).toMatch(/completed|closed|ended/i);
  });
});

describe('approval steps', () => {
  const gated = (extra: Record<string, unknown> = {}, deploy: Record<string, unknown> = sleep(0)) => ({
    parameters: { build: '42' },
    steps: [
      { name: 'build', ...sleep(0) },
      { name: 'go-live', dependsOn: ['build'], approval: { message: 'Ship build {{params.build}}?' }, ...extra },
      { name: 'deploy', dependsOn: ['go-live'], ...deploy },
    ],
  });

  it('waits, saying for what (on the run and in the Temporal UI details), until spec.approvals approves it; records the field manager', async () => {
    const name = uniqueName('approve');
    await h.apply('OrchestrationRun', name, gated({}, hold(name)));
    const waiting = await until(name, 'go-live waiting', (s) => step(s, 'go-live')?.reason === 'WaitingForApproval');
    expect(step(waiting, 'go-live')).toMatchObject({ phase: 'Running', message: 'waiting for approval: Ship build 42?' });
    expect(step(waiting, 'deploy')?.phase).toBe('Pending');
    expect((await workflowState(waiting.temporal!.workflowId)).waitingForApproval).toEqual(['go-live']);
    // The UI's current details (its User Metadata tab) come from this built-in query.
    const details = await temporalCli(['workflow', 'query', '--workflow-id', waiting.temporal!.workflowId, '--name', '__temporal_workflow_metadata', '--output', 'json']);
    expect(details.stdout).toContain('waiting for approval: Ship build 42?');

    expect((await patch(name, { approvals: { 'go-live': 'Approved' } })).code).toBe(0);
    await until(name, 'deploy running', (s) => step(s, 'deploy')?.phase === 'Running');
    // The first decision stands: a reject after it is refused, saying who decided.
    const late = await update(waiting.temporal!.workflowId, 'reject', 'go-live');
    expect(late.code).not.toBe(0);
    expect(late.stderr).toContain('step "go-live" was already approved by spec:kubectl-patch');
    gates.release(name);
    const done = await h.phaseOf(name, 'Succeeded');
    expect(step(done, 'go-live')).toMatchObject({ phase: 'Succeeded', approvedBy: 'spec:kubectl-patch', message: 'approved by spec:kubectl-patch' });
    expect(step(done, 'go-live')?.reason).toBeUndefined();
  });

  it('a reject from the temporal CLI fails the step with the CLI identity and skips its dependents; a wrong step name is refused', async () => {
    const name = uniqueName('reject');
    await h.apply('OrchestrationRun', name, gated());
    const waiting = await until(name, 'go-live waiting', (s) => step(s, 'go-live')?.reason === 'WaitingForApproval');
    const workflowId = waiting.temporal!.workflowId;
    const wrong = await update(workflowId, 'approve', 'deploy');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('"deploy" is not an approval step of this run; its approval steps: go-live');

    const sent = await update(workflowId, 'reject', { step: 'go-live' });
    expect(sent.code, sent.stderr).toBe(0);
    const failed = await h.phaseOf(name, 'Failed');
    expect(step(failed, 'go-live')).toMatchObject({ phase: 'Failed', reason: 'Rejected' });
    expect(step(failed, 'go-live')?.rejectedBy).toMatch(/^temporal:temporal-cli:/);
    expect(step(failed, 'deploy')).toMatchObject({ phase: 'Skipped', reason: 'DependencyFailed' });
  });

  it('a decision given at creation counts when the step starts; timeoutSeconds bounds an undecided wait', async () => {
    const early = uniqueName('early');
    await h.apply('OrchestrationRun', early, { ...gated(), approvals: { 'go-live': 'Approved' } });
    const done = await h.phaseOf(early, 'Succeeded');
    expect(step(done, 'go-live')?.approvedBy).toBe('spec:kubectl-client-side-apply');

    const late = uniqueName('late');
    await h.apply('OrchestrationRun', late, gated({ timeoutSeconds: 2 }));
    const failed = await h.phaseOf(late, 'Failed');
    expect(step(failed, 'go-live')).toMatchObject({ phase: 'Failed', reason: 'ApprovalTimeout' });
  });
});
