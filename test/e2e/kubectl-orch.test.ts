// kubectl-orch as a user runs it: the built binary (dist/bin/kubectl-orch.js) against the sandbox's real
// apiserver, with a bridge and a worker of this project watching a fresh namespace. Gate activities hold
// steps until the test releases them, so nothing here depends on how long a step takes.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { JobLabels, STEP_CONTAINER } from '../../core/job-step.js';
import { KWOK_NODE_NAME } from '../../sandbox/kubernetes/kwok.js';
import { kwokContainerLogLines } from '../../sandbox/kubernetes/kwok-logs.js';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { holdActivities } from '../support/gates.js';
import { runCommand, type CommandResult } from '../support/run.js';
import { kubectl, sandboxEnv, temporalCli, uniqueName } from '../support/sandbox.js';

const BIN = 'dist/bin/kubectl-orch.js';
/** What the sandbox's KWOK node logs for every container (sandbox/kubernetes/kwok-logs.ts). */
const NODE_LOG = kwokContainerLogLines(KWOK_NODE_NAME).map((line) => `${line}\n`).join('');
const API = 'orchestration.proompteng.ai/v1alpha1';

/** The shared `hold` gate (test/support/gates.ts), and `flaky`, which fails (for good) the first time an id is seen. */
function gates() {
  const held = holdActivities();
  const seen = new Set<string>();
  return {
    ...held,
    stepActivities: {
      ...held.stepActivities,
      flaky(input: unknown) {
        const id = (input as { id: string }).id;
        if (seen.has(id)) return Promise.resolve(`second try of ${id}`);
        seen.add(id);
        return Promise.reject(ApplicationFailure.nonRetryable(`first try of ${id} fails`, 'StepFailed'));
      },
    },
  };
}

let h: BridgeHarness;
let g: ReturnType<typeof gates>;
let dir: string;

const env = () => ({ ...process.env, KUBECONFIG: sandboxEnv().KUBECONFIG });
/** The CLI in the harness's namespace (-n), unless the arguments say otherwise. */
const orch = (args: string[], input?: string): Promise<CommandResult> => runCommand('node', [BIN, '-n', h.ns, ...args], { env: env(), input });

/** The CLI started now, its exit awaited later: for commands that run while the test acts (--watch, wait). */
const orchInBackground = (args: string[]): Promise<CommandResult> => orch(args);

function file(name: string, docs: object[]): string {
  const path = join(dir, name);
  writeFileSync(path, docs.map((d) => stringify(d)).join('---\n'));
  return path;
}
const runDoc = (name: string, spec: object) => ({ apiVersion: API, kind: 'OrchestrationRun', metadata: { name }, spec });
const hold = (name: string, id: string, extra: object = {}) => ({ name, activity: { name: 'hold', input: { id } }, ...extra });

const stepOf = async (run: string, step: string) => (await h.status(run)).steps?.find((s) => s.name === step);
const untilStep = (run: string, step: string, test: (s: { phase: string; reason?: string }) => boolean) =>
  waitFor(async () => {
    const s = await stepOf(run, step);
    return s && test(s) ? s : undefined;
  }, { what: `${run}: step ${step}`, timeoutMs: 60_000 });

beforeAll(async () => {
  g = gates();
  h = await startBridgeHarness('kubectl-orch', { worker: { stepActivities: g.stepActivities } });
  dir = mkdtempSync(join(tmpdir(), 'kubectl-orch-'));
});
afterAll(async () => {
  await h?.stop();
});

describe('kubectl-orch lint', () => {
  it('passes every example, and names each problem of a bad file, with its path, with exit code 1', async () => {
    const all = readdirSync('examples').filter((f) => f.endsWith('.yaml')).map((f) => join('examples', f));
    const examples = await orch(['lint', ...all]);
    expect(examples.stderr).toBe('');
    expect(examples.code, examples.stdout).toBe(0);
    const bad = file('bad.yaml', [
      runDoc('cyclic', { steps: [hold('a', 'x', { dependsOn: ['b'] }), hold('b', 'x', { dependsOn: ['a'] })] }),
      runDoc('many', {
        steps: [hold('a', 'x', { dependsOn: ['c'] }), hold('b', 'x', { dependsOn: ['a', 'nope'] }), { name: 'c', dependsOn: ['b'], activity: { name: 'hold', input: { id: '{{params.missing}}' } } }],
      }),
    ]);
    const out = await orch(['lint', bad]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(
      [
        `${bad}: OrchestrationRun/cyclic: spec.steps[1].dependsOn[0]: dependency cycle: a → b → a`,
        `${bad}#2: OrchestrationRun/many: spec.steps[1].dependsOn[1]: step "b" depends on "nope", which is not a step of this run`,
        `${bad}#2: OrchestrationRun/many: spec.steps[1].dependsOn[0]: dependency cycle: a → b → c → a`,
        `${bad}#2: OrchestrationRun/many: spec.steps[2].activity.input.id: step "c" uses {{params.missing}}, which is not a parameter of this run`,
        '4 problems',
        '',
      ].join('\n'),
    );
  });

  it("resolves a run's orchestrationRef from the cluster with --cluster", async () => {
    await h.apply('Orchestration', 'lint-template', { steps: [{ name: 'a', activity: { name: 'sleep', input: { seconds: '{{params.seconds}}' } } }] });
    const run = file('ref.yaml', [runDoc('of-template', { orchestrationRef: { name: 'lint-template' } })]);
    const out = await orch(['lint', '--cluster', run]);
    expect(out.stdout).toContain('OrchestrationRun/of-template: Orchestration/lint-template (in the cluster) spec.steps[0].activity.input.seconds: step "a" uses {{params.seconds}}, which is not a parameter of this run');
    expect(out.code).toBe(1);
  });
});

describe('kubectl-orch against runs', () => {
  it('submit --watch prints each change as a plain line off a terminal, and exits 0 when the run Succeeds', async () => {
    const path = file('watched.yaml', [runDoc('watched', { steps: [hold('first', 'watched-1'), hold('second', 'watched-2')] })]);
    const watching = orchInBackground(['submit', path, '--watch']);
    await untilStep('watched', 'first', (s) => s.phase === 'Running');
    g.release('watched-1');
    await untilStep('watched', 'second', (s) => s.phase === 'Running');
    g.release('watched-2');
    const out = await watching;
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.split('\n');
    // Each line is `step NAME PHASE`, then what the status says about it, if anything.
    const at = (start: string) => lines.findIndex((l) => l === start || l.startsWith(`${start} `) || l.startsWith(`${start}:`));
    for (const line of ['step first Running', 'step first Succeeded', 'step second Running', 'step second Succeeded', 'run watched Succeeded']) expect(at(line), line).toBeGreaterThanOrEqual(0);
    expect(at('step first Succeeded')).toBeLessThan(at('step second Running'));
    expect(out.stdout).toMatch(/Temporal UI: http/);
  });

  it('get shows the tree and the Temporal UI link; ui prints the link; list lists the run', async () => {
    const view = await h.status('watched');
    const got = await orch(['get', 'watched']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toMatch(new RegExp(`^${h.ns}/watched   Succeeded   2/2 steps`));
    expect(got.stdout).toMatch(/\n {2}first +Succeeded/);
    expect(got.stdout).toMatch(/\n {4}second +Succeeded/);
    expect(got.stdout).toContain(`Temporal UI: ${view.temporal!.uiUrl!}`);
    expect((await orch(['ui', 'watched'])).stdout).toBe(`${view.temporal!.uiUrl!}\n`);
    const listed = await orch(['list']);
    expect(listed.stdout).toMatch(/^NAME +PHASE +STEPS +AGE\n/);
    expect(listed.stdout).toMatch(/\nwatched +Succeeded +2\/2 /);
    expect((await orch(['list', '-A'])).stdout).toMatch(new RegExp(`\\n${h.ns} +watched +Succeeded`));
  });

  it('submit --from orch/NAME -p creates a run of the Orchestration; wait exits 0', async () => {
    await h.apply('Orchestration', 'greeter', { steps: [{ name: 'greet', activity: { name: 'hold', input: { id: '{{params.who}}' } } }] });
    const submitted = await orch(['submit', '--from', 'orch/greeter', '-p', 'who=greeter-run']);
    expect(submitted.code, submitted.stderr).toBe(0);
    const name = /orchestrationrun\.orchestration\.proompteng\.ai\/(greeter-\w+) created/.exec(submitted.stdout)?.[1];
    expect(name).toBeDefined();
    const waiting = orchInBackground(['wait', name!]);
    await untilStep(name!, 'greet', (s) => s.phase === 'Running');
    g.release('greeter-run');
    expect(await waiting).toMatchObject({ code: 0, stdout: `run ${name!} Succeeded\n` });
    expect((await orch(['logs', name!, 'greet'])).stdout).toBe('released\n');
  });

  it("submit --watch follows the run in its manifest's namespace, and refuses an -n that differs from it", async () => {
    const path = file('elsewhere.yaml', [{ ...runDoc('elsewhere', { steps: [{ name: 'nap', activity: { name: 'sleep', input: { seconds: 0 } } }] }), metadata: { name: 'elsewhere', namespace: h.ns } }]);
    expect(await runCommand('node', [BIN, '-n', 'default', 'submit', path], { env: env() })).toMatchObject({ code: 64, stderr: `error: the namespace of ${path} (${h.ns}) does not match -n default\n` });
    // No -n: the context's namespace (default) is not the run's; it is watched where it was created.
    const out = await runCommand('node', [BIN, 'submit', path, '--watch'], { env: env() });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('run elsewhere Succeeded');
  });

  it('submit refuses a run the bridge would refuse, naming the problem, and creates nothing', async () => {
    const path = file('refused.yaml', [runDoc('refused', { steps: [hold('a', 'x', { dependsOn: ['ghost'] })] })]);
    const out = await orch(['submit', path]);
    // 3, not 1: nothing was created, which a script must tell from a watched run that Failed.
    expect(out.code).toBe(3);
    expect(out.stderr).toContain(`error: not submitted:\n${path}: OrchestrationRun/refused: spec.steps[0].dependsOn[0]: step "a" depends on "ghost", which is not a step of this run`);
    expect((await kubectl(['get', 'orchrun', 'refused', '-n', h.ns])).code).not.toBe(0);
  });

  it('a Failed run: wait exits 1, logs shows the error, retry resumes it and reuses what succeeded', async () => {
    const path = file('flaky.yaml', [runDoc('flaky', { steps: [hold('setup', 'flaky-setup'), { name: 'check', dependsOn: ['setup'], activity: { name: 'flaky', input: { id: 'flaky-check' } } }] })]);
    expect((await orch(['submit', path])).code).toBe(0);
    const waiting = orchInBackground(['wait', 'flaky']);
    await untilStep('flaky', 'setup', (s) => s.phase === 'Running');
    g.release('flaky-setup');
    expect((await waiting).code).toBe(1);
    const logs = await orch(['logs', 'flaky', 'check']);
    expect(logs.stdout).toContain('first try of flaky-check fails');
    const retried = await orch(['retry', 'flaky', '--watch']);
    expect(retried.stderr).toBe('');
    expect(retried.code).toBe(0);
    const name = /orchestrationrun\.orchestration\.proompteng\.ai\/(flaky-retry-\w+) created \(resumes flaky\)/.exec(retried.stdout)?.[1];
    expect(name).toBeDefined();
    const view = await h.status(name!);
    expect(view.steps?.map((s) => [s.name, s.phase, s.reused ?? false])).toEqual([
      ['setup', 'Succeeded', true],
      ['check', 'Succeeded', false],
    ]);
    // The retry runs the steps of the run it resumes: its tree nests them as they depend on each other.
    expect((await orch(['get', name!])).stdout).toMatch(/\n {2}setup +Succeeded[^\n]*\n {4}check +Succeeded/);
    expect((await orch(['retry', name!])).stderr).toContain(`run ${name!} Succeeded: name the steps to run again with --rerun STEP`);
  });

  // sleep stops as soon as its cancellation reaches it (a held gate would ignore it).
  it('cancel ends a run Cancelled; wait exits 2', async () => {
    expect((await orch(['submit', file('long.yaml', [runDoc('long', { steps: [{ name: 'forever', activity: { name: 'sleep', input: { seconds: 3600 } } }] })])])).code).toBe(0);
    await untilStep('long', 'forever', (s) => s.phase === 'Running');
    const waiting = orchInBackground(['wait', 'long']);
    const cancelled = await orch(['cancel', 'long', '--reason', 'the deploy window closed']);
    expect(cancelled).toMatchObject({ code: 0, stdout: 'run long cancel requested: the deploy window closed\n' });
    expect((await waiting).code).toBe(2);
    const status = await h.status('long');
    expect(status.cancelledBy).toBe('spec:kubectl-orch');
    expect(status.message).toBe('cancelled by spec:kubectl-orch (SpecCancel): the deploy window closed; the running steps stopped first');
    // Temporal's history says it too: the cancel request the UI shows carries who asked and why.
    const history = await temporalCli(['workflow', 'show', '--workflow-id', status.temporal!.workflowId, '--output', 'json']);
    expect(history.stdout).toContain(JSON.stringify('orchestration-bridge: SpecCancel spec:kubectl-orch\nthe deploy window closed').slice(1, -1));
    expect(status.cancelReason).toBe('the deploy window closed');
    expect((await orch(['cancel', 'long'])).stderr).toBe('error: run long already ended Cancelled; nothing to cancel\n');
  });

  it('suspend holds the next step and names kubectl-orch; resume lets it run', async () => {
    expect((await orch(['submit', file('held.yaml', [runDoc('held', { steps: [hold('one', 'held-1'), hold('two', 'held-2')] })])])).code).toBe(0);
    await untilStep('held', 'one', (s) => s.phase === 'Running');
    expect((await orch(['suspend', 'held'])).code).toBe(0);
    await waitFor(async () => ((await h.status('held')).suspendedBy === 'spec:kubectl-orch' ? true : undefined), { what: 'held suspended', timeoutMs: 60_000 });
    g.release('held-1');
    await untilStep('held', 'one', (s) => s.phase === 'Succeeded');
    expect((await stepOf('held', 'two'))?.phase).toBe('Pending');
    expect(g.seen.order).not.toContain('held-2');
    expect((await orch(['get', 'held'])).stdout).toContain('suspended by spec:kubectl-orch');
    expect((await orch(['resume', 'held'])).code).toBe(0);
    await untilStep('held', 'two', (s) => s.phase === 'Running');
    g.release('held-2');
    await h.phaseOf('held', 'Succeeded');
  });

  it('approve and reject decide approval steps as kubectl-orch', async () => {
    const approvalRun = (name: string) => runDoc(name, { steps: [{ name: 'gate', approval: { message: 'ship it?' } }, hold('after', `${name}-after`, { dependsOn: ['gate'] })] });
    expect((await orch(['submit', file('approvals.yaml', [approvalRun('to-approve'), approvalRun('to-reject')])])).code).toBe(0);
    await untilStep('to-approve', 'gate', (s) => s.reason === 'WaitingForApproval');
    expect((await orch(['get', 'to-approve'])).stdout).toMatch(/gate +Running +(\S+ +)?WaitingForApproval/);
    expect(await orch(['approve', 'to-approve', 'gate'])).toMatchObject({ code: 0, stdout: 'run to-approve step gate approved\n' });
    await untilStep('to-approve', 'after', (s) => s.phase === 'Running');
    expect((await stepOf('to-approve', 'gate')) as unknown).toMatchObject({ phase: 'Succeeded', approvedBy: 'spec:kubectl-orch' });
    g.release('to-approve-after');
    await h.phaseOf('to-approve', 'Succeeded');
    await untilStep('to-reject', 'gate', (s) => s.reason === 'WaitingForApproval');
    expect((await orch(['approve', 'to-reject', 'nope'])).stderr).toBe('error: run to-reject has no step nope (its approval steps: gate)\n');
    expect((await orch(['approve', 'to-reject', 'after'])).stderr).toBe('error: step after of run to-reject is not an approval step (its approval steps: gate)\n');
    expect((await orch(['reject', 'to-reject', 'gate'])).code).toBe(0);
    await h.phaseOf('to-reject', 'Failed');
    expect((await stepOf('to-reject', 'gate')) as unknown).toMatchObject({ phase: 'Failed', rejectedBy: 'spec:kubectl-orch' });
    expect((await orch(['approve', 'to-reject', 'gate'])).stderr).toBe('error: run to-reject already ended Failed; nothing to approve\n');
  });

  it("logs of a Job step reads the Pods found by the run's labels, as kubectl logs does", async () => {
    const job = { image: 'busybox:1.36', command: ['sh', '-c', 'echo hi'], env: [{ name: 'KWOK_TERMINATION_MESSAGE', value: 'said hi' }] };
    expect((await orch(['submit', file('job.yaml', [runDoc('job-run', { steps: [{ name: 'say', job }] })])])).code).toBe(0);
    const done = await h.phaseOf('job-run', ['Succeeded', 'Failed'], 120_000);
    const step = done.steps!.find((s) => s.name === 'say')!;
    expect(step.jobName).toBeDefined();
    // The sandbox's KWOK node serves one log for every container, through the apiserver's pods/log.
    expect(await orch(['logs', 'job-run', 'say'])).toEqual({ code: 0, stdout: NODE_LOG, stderr: '' });
    expect(await kubectl(['logs', '-n', h.ns, `job/${step.jobName!}`, '-c', STEP_CONTAINER])).toEqual({ code: 0, stdout: NODE_LOG, stderr: '' });
    // -f on a step whose Pod has ended reads to the end and exits.
    expect(await orch(['logs', '-f', 'job-run', 'say'])).toEqual({ code: 0, stdout: NODE_LOG, stderr: '' });
  });

  it('logs -f follows a running Job step until its Pod ends', async () => {
    const job = { image: 'busybox:1.36', command: ['sleep', '6'], env: [{ name: 'KWOK_DURATION_MS', value: '6000' }] };
    expect((await orch(['submit', file('slow-job.yaml', [runDoc('slow-job-run', { steps: [{ name: 'nap', job }] })])])).code).toBe(0);
    await untilStep('slow-job-run', 'nap', (s) => s.phase === 'Running');
    const followed = await orchInBackground(['logs', '-f', 'slow-job-run', 'nap']);
    // Had it not followed, it would have returned while the Pod still ran.
    const pods = await kubectl(['get', 'pods', '-n', h.ns, '-l', `${JobLabels.step}=nap`, '-o', 'jsonpath={.items[*].status.phase}']);
    expect(pods.stdout).toBe('Succeeded');
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe(NODE_LOG);
  });
});

describe('kubectl-orch errors and kubeconfig', () => {
  it('names a missing run', async () => {
    expect(await orch(['get', 'no-such-run'])).toMatchObject({ code: 3, stderr: `error: run no-such-run not found in namespace ${h.ns}\n` });
    expect((await orch(['wait', 'no-such-run'])).stderr).toBe(`error: run no-such-run not found in namespace ${h.ns}\n`);
    expect(await orch(['submit', '--from', 'orch/no-such-template'])).toMatchObject({ code: 3, stderr: `error: Orchestration no-such-template not found in namespace ${h.ns}\n` });
  });

  it('names the verb and the resource a user may not use (403)', async () => {
    const sa = uniqueName('no-access');
    expect((await kubectl(['create', 'serviceaccount', sa, '-n', h.ns])).code).toBe(0);
    const token = (await kubectl(['create', 'token', sa, '-n', h.ns])).stdout.trim();
    const config = join(dir, 'no-access.kubeconfig');
    const server = (await kubectl(['config', 'view', '--minify', '--raw', '--flatten', '-o', 'jsonpath={.clusters[0].cluster.server}'])).stdout;
    const ca = (await kubectl(['config', 'view', '--minify', '--raw', '--flatten', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}'])).stdout;
    writeFileSync(config, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'sa',
      clusters: [{ name: 'sandbox', cluster: { server, 'certificate-authority-data': ca } }],
      users: [{ name: sa, user: { token } }],
      contexts: [{ name: 'sa', context: { cluster: 'sandbox', user: sa, namespace: h.ns } }],
    }));
    const out = await runCommand('node', [BIN, '--kubeconfig', config, 'list'], { env: env() });
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(new RegExp(`^error: no access: you may not list orchestrationruns\\.orchestration\\.proompteng\\.ai in namespace ${h.ns} \\(`));
  });

  it("takes the namespace from --context's context when -n is not given", async () => {
    const config = join(dir, 'contexts.kubeconfig');
    const raw = (await kubectl(['config', 'view', '--raw', '--flatten'])).stdout;
    writeFileSync(config, raw);
    const kc = (args: string[]) => runCommand('kubectl', ['--kubeconfig', config, ...args]);
    const cluster = (await kc(['config', 'view', '-o', 'jsonpath={.contexts[0].context.cluster}'])).stdout;
    const user = (await kc(['config', 'view', '-o', 'jsonpath={.contexts[0].context.user}'])).stdout;
    expect((await kc(['config', 'set-context', 'orch-test', `--cluster=${cluster}`, `--user=${user}`, `--namespace=${h.ns}`])).code).toBe(0);
    const out = await runCommand('node', [BIN, '--kubeconfig', config, '--context', 'orch-test', 'get', 'watched'], { env: { ...process.env, KUBECONFIG: '' } });
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(new RegExp(`^${h.ns}/watched   Succeeded`));
    expect((await runCommand('node', [BIN, '--kubeconfig', config, '--context', 'nope', 'list'])).stderr).toBe('error: context nope is not in the kubeconfig\n');
  });

  it('prints a bash completion script bash accepts', async () => {
    const out = await runCommand('bash', ['-c', `source <(node ${BIN} completion bash) && complete -p kubectl-orch`]);
    expect(out).toMatchObject({ code: 0, stdout: 'complete -F _kubectl_orch kubectl-orch\n' });
  });
});
