// kubectl-orch (the built binary) against a control plane of its own (etcd and kube-apiserver, as
// test/chaos/apiserver-restart.test.ts starts them), whose kube-apiserver the first test stops and starts again
// while `wait` follows a run: the user's wait rides out the outage and still exits with the run's phase code.
// Restarting the shared sandbox's apiserver would disturb every other test. No bridge runs here: the test writes
// the run's status itself, as the bridge would, so the only moving part is the CLI. The same cluster serves the
// cases that need no bridge either: a run deleted mid-wait, the error lines, piped output and completion.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startControlPlane, type ControlPlane } from '../../sandbox/kubernetes/control-plane.js';
import { installCrds } from '../../sandbox/kubernetes/apply.js';
import { ManagedProcess, stopAll } from '../../sandbox/process.js';
import { ensureTools } from '../../sandbox/tools/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { runCommand, type CommandResult } from '../support/run.js';
import { uniqueName } from '../support/sandbox.js';

const BIN = 'dist/bin/kubectl-orch.js';
// The outage is the fault under test, not a synchronisation.
const OUTAGE_S = 10;
const dir = mkdtempSync(join(tmpdir(), 'kubectl-orch-restart-'));
const servers: ManagedProcess[] = [];
let cluster: ControlPlane;
let ns: string;
/** Background CLIs, ended after the tests whatever their outcome. */
const children: ChildProcess[] = [];

const env = () => ({ ...process.env, KUBECONFIG: cluster.kubeconfig });
const kubectl = (args: string[], input?: string) => runCommand('kubectl', args, { env: env(), input });
const orch = (args: string[]) => runCommand('node', [BIN, '-n', ns, ...args], { env: env() });

/** The CLI running while the test acts; `output` is what it printed so far. */
function orchInBackground(args: string[]) {
  const child = spawn('node', [BIN, '-n', ns, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const seen = { stdout: '', stderr: '', exited: false };
  child.stdout.setEncoding('utf8').on('data', (c: string) => (seen.stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (seen.stderr += c));
  const exit = new Promise<CommandResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      seen.exited = true;
      resolve({ code, stdout: seen.stdout, stderr: seen.stderr });
    });
  });
  return { seen, exit };
}

async function createRun(name: string): Promise<void> {
  const doc = { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name }, spec: { steps: [{ name: 'work', activity: { name: 'sleep', input: { seconds: 1 } } }] } };
  const applied = await kubectl(['apply', '-n', ns, '-f', '-'], stringify(doc));
  expect(applied.code, applied.stderr).toBe(0);
}

/** What the bridge would write: the run's phase. Retried, as the apiserver may still be coming back. */
async function setPhase(name: string, phase: string): Promise<void> {
  await waitFor(
    async () => ((await kubectl(['patch', 'orchestrationrun', name, '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase } })])).code === 0 ? true : undefined),
    { what: `status.phase ${phase} on ${name}`, timeoutMs: 60_000 },
  );
}

beforeAll(async () => {
  cluster = await startControlPlane(await ensureTools(() => undefined), dir, servers);
  await installCrds(cluster.kubeconfig);
  ns = uniqueName('orchrestart');
  const created = await kubectl(['create', 'namespace', ns]);
  expect(created.code, created.stderr).toBe(0);
}, 300_000);
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill();
  await stopAll(servers).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('kubectl-orch wait while kube-apiserver restarts', () => {
  it(`rides out ${OUTAGE_S} s without an apiserver and exits with the run's phase code`, { timeout: 300_000 }, async () => {
    await createRun('outlives-outage');
    await setPhase('outlives-outage', 'Running');
    const waiting = orchInBackground(['wait', 'outlives-outage', '--watch']);
    // The first state printed: the run was read, the watch starts next.
    await waitFor(() => (waiting.seen.stdout.includes('run outlives-outage Running') || waiting.seen.exited ? true : undefined), { what: 'wait printing the run', timeoutMs: 60_000 });
    await delay(1000);
    const before = (await kubectl(['get', 'orchestrationrun', 'outlives-outage', '-n', ns, '-o', 'jsonpath={.metadata.resourceVersion}'])).stdout;
    const apiserver = servers.find((s) => s.name === 'kube-apiserver' && s.running)!;
    await apiserver.stop();
    try {
      await delay(OUTAGE_S * 1000);
      expect(waiting.seen.exited, `wait ended during the outage: ${waiting.seen.stderr}`).toBe(false);
    } finally {
      // Back up whatever happened, so the other tests have an apiserver.
      servers.push(new ManagedProcess(apiserver.options));
      await waitFor(async () => ((await kubectl(['get', '--raw', '/readyz'])).code === 0 ? true : undefined), { what: 'kube-apiserver ready again', timeoutMs: 120_000 });
    }
    expect(waiting.seen.exited, `wait ended after the outage: ${waiting.seen.stderr}`).toBe(false);
    // A restarted apiserver's watch cache starts after the run's resourceVersion: a watch resumed from it is
    // 410 Gone, so the wait above went through the relist, not only through reconnecting.
    const resumed = await kubectl(['get', '--raw', `/apis/orchestration.proompteng.ai/v1alpha1/namespaces/${ns}/orchestrationruns?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Doutlives-outage&resourceVersion=${before}`]);
    expect(resumed.stdout).toContain('"code":410');
    await setPhase('outlives-outage', 'Failed');
    const out = await waiting.exit;
    // Said once, while the apiserver was away: the wait is not silent, and not an error.
    expect(out.stderr).toMatch(/^(warning: retrying for up to 120 s: cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:\d+ \([^\n]*\n)+$/);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('run outlives-outage Failed');
  });

  it('says so, with exit code 3, when the run is deleted while it waits', async () => {
    await createRun('deleted-midway');
    await setPhase('deleted-midway', 'Running');
    const waiting = orchInBackground(['wait', 'deleted-midway']);
    await delay(2000);
    expect(waiting.seen.exited, waiting.seen.stderr).toBe(false);
    const deleted = await kubectl(['delete', 'orchestrationrun', 'deleted-midway', '-n', ns, '--wait=false']);
    expect(deleted.code, deleted.stderr).toBe(0);
    const out = await waiting.exit;
    expect(out.stderr).toBe(`error: run deleted-midway was deleted in namespace ${ns} before it ended\n`);
    expect(out.code).toBe(3);
  });

  it('names the watch verb when a user may get and list runs but not watch them, at once and without retrying', async () => {
    await createRun('not-watchable');
    await setPhase('not-watchable', 'Running');
    const sa = uniqueName('no-watch');
    for (const args of [
      ['create', 'serviceaccount', sa, '-n', ns],
      ['create', 'role', sa, '-n', ns, '--verb=get,list', '--resource=orchestrationruns.orchestration.proompteng.ai'],
      ['create', 'rolebinding', sa, '-n', ns, `--role=${sa}`, `--serviceaccount=${ns}:${sa}`],
    ]) {
      const done = await kubectl(args);
      expect(done.code, done.stderr).toBe(0);
    }
    const token = (await kubectl(['create', 'token', sa, '-n', ns])).stdout.trim();
    const config = join(dir, 'no-watch.kubeconfig');
    writeFileSync(config, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'sa',
      clusters: [{ name: 'own', cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } }],
      users: [{ name: sa, user: { token } }],
      contexts: [{ name: 'sa', context: { cluster: 'own', user: sa, namespace: ns } }],
    }));
    const out = await runCommand('node', [BIN, '--kubeconfig', config, 'wait', 'not-watchable'], { env: env() });
    expect(out.stderr).toBe(`error: no access: you may not watch orchestrationruns.orchestration.proompteng.ai in namespace ${ns}\n`);
    expect(out.code).toBe(3);
  });

  it('names a namespace that does not exist, and an unreachable server in one line', async () => {
    const missing = await runCommand('node', [BIN, '-n', 'no-such-ns', 'submit', '-'], {
      env: env(),
      input: stringify({ apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name: 'x' }, spec: { steps: [{ name: 'a', activity: { name: 'sleep', input: { seconds: 1 } } }] } }),
    });
    expect(missing.stderr).toBe('error: namespace no-such-ns not found\n');
    expect(missing.code).toBe(3);
    // The same cluster's credentials, at a port where nothing listens.
    const closed = join(dir, 'closed.kubeconfig');
    writeFileSync(closed, readFileSync(cluster.kubeconfig, 'utf8').replace(/server: \S+/, 'server: https://127.0.0.1:1'));
    const refused = await runCommand('node', [BIN, '--kubeconfig', closed, 'get', 'x'], { env: env() });
    expect(refused.stderr).toBe('error: cannot reach the Kubernetes API server at https://127.0.0.1:1 (connection refused, ECONNREFUSED): is the cluster up, and is this the right kubeconfig context?\n');
    expect(refused.code).toBe(3);
  });

  it('writes whole output to a pipe and ends quietly when the reader stops early', async () => {
    for (let i = 0; i < 3; i++) await createRun(`piped-${i}`);
    const whole = await orch(['get', 'piped-0', '-o', 'json']);
    expect(whole.code, whole.stderr).toBe(0);
    expect((JSON.parse(whole.stdout) as { metadata: { name: string } }).metadata.name).toBe('piped-0');
    // A reader that is gone before anything is written: the writes fail with EPIPE, which is no error of ours.
    const gone = await runCommand('bash', ['-c', `set -o pipefail; node ${BIN} -n ${ns} get piped-0 -o json | true`], { env: env() });
    expect(gone.stderr).toBe('');
    expect(gone.code).toBe(0);
  });

  it("completes `kubectl orch -n NS get <TAB>` through kubectl's plugin completion, and the bash script alike", async () => {
    await createRun('complete-me');
    // kubectl finds the plugin and its completer on PATH, as after `npm install -g`.
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    for (const name of ['kubectl-orch', 'kubectl_complete-orch']) if (!existsSync(join(bin, name))) symlinkSync(resolve(`dist/bin/${name}.js`), join(bin, name));
    const pathEnv = { ...env(), PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
    const viaKubectl = await runCommand('kubectl', ['__complete', 'orch', '-n', ns, 'get', 'comp'], { env: pathEnv });
    expect(viaKubectl.stdout.split('\n').filter((l) => l !== '')).toEqual(['complete-me', ':4']);
    const flags = await runCommand('kubectl', ['__complete', 'orch', 'list', '--a'], { env: pathEnv });
    expect(flags.stdout.split('\n').filter((l) => l !== '')).toEqual(['--all-namespaces', ':4']);
    const script = `source <(kubectl-orch completion bash)
COMP_WORDS=(kubectl-orch -n ${ns} wait comp); COMP_CWORD=4; _kubectl_orch; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const viaBash = await runCommand('bash', ['-c', script], { env: pathEnv });
    expect(viaBash).toMatchObject({ code: 0, stdout: 'complete-me\n' });
  });

  // Last: it removes the CRD the other tests use.
  it('tells a user whose cluster lacks the CRDs to install them', async () => {
    const removed = await kubectl(['delete', 'crd', 'orchestrationruns.orchestration.proompteng.ai', '--wait=true']);
    expect(removed.code, removed.stderr).toBe(0);
    await waitFor(async () => ((await kubectl(['get', 'orchestrationruns', '-n', ns])).code !== 0 ? true : undefined), { what: 'the CRD gone from discovery', timeoutMs: 60_000 });
    const out = await orch(['list']);
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/^error: the server has no resource type orchestrationruns\.orchestration\.proompteng\.ai: the orchestration-bridge CRDs are not installed in this cluster; install them with /);
  });
});
