// The chart's RBAC is enough and no more, on the real apiserver (RBAC authorization): `helm install` into the
// sandbox, then the bridge and the worker run as the chart's ServiceAccounts (tokens from the TokenRequest API,
// environment from the installed Deployments) and carry a run with an activity step and a Job step to
// Succeeded, a cancel and a deletion, all through kubectl. Each ServiceAccount is then refused what it was
// not granted. Both modes, each its own release. (KWOK plays no Deployment Pods: the processes stand in.)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { apiErrorMessage, apiStatus, runObjectRef } from '../../activities/kube.js';
import { RUNTIME_CLEANUP_FINALIZER, runJobSelector, type OrchestrationRunStatus } from '../../core/index.js';
import { writeKubeconfig } from '../../sandbox/kubernetes/kubeconfig.js';
import type { ManagedProcess } from '../../sandbox/process.js';
import { waitFor } from '../../sandbox/wait.js';
import { createNamespace } from '../support/bridge-harness.js';
import { CHART_DIR, helm, valuesFile } from '../support/helm.js';
import { startBridgeProcess, startWorkerProcess } from '../support/processes.js';
import { runCommand } from '../support/run.js';
import { kubeConfig, kubectl, sandboxEnv, temporalCli, uniqueName } from '../support/sandbox.js';
import { loadKubeConfig } from '../../common/kube-config.js';

type Component = 'bridge' | 'worker';
type EnvVar = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };

const MODES = [
  { mode: 'namespaced', clusterScoped: false },
  { mode: 'cluster-wide', clusterScoped: true },
] as const;

const admin = () => ({ ...process.env, KUBECONFIG: sandboxEnv().KUBECONFIG });

/** kubectl with a kubeconfig of its own (a ServiceAccount's token). */
const kubectlAs = (kubeconfig: string) => (args: string[], input?: string) => runCommand('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, input });

const runObject = (name: string, namespace: string, steps: unknown[]) => ({ apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name, namespace }, spec: { steps } });
const runManifest = (name: string, namespace: string, steps: unknown[]) => stringify(runObject(name, namespace, steps));

const activityStep = { name: 'wait', activity: { name: 'sleep', input: { seconds: 0.2 } } };
const jobStep = (name: string, env: Record<string, string>) => ({
  name,
  dependsOn: [],
  job: { image: 'busybox', command: ['sh', '-c', 'echo done'], env: Object.entries(env).map(([n, value]) => ({ name: n, value })) },
});

describe.each(MODES)('the chart installed with $mode RBAC', ({ clusterScoped }) => {
  const release = uniqueName(clusterScoped ? 'rbac-cw' : 'rbac-ns');
  const fullname = `${release}-orchestration-bridge`;
  const account = (component: Component) => `${fullname}-${component}`;
  let system: string;
  let tenant: string;
  let outside: string;
  const kubeconfigs = {} as Record<Component, string>;
  const processes: ManagedProcess[] = [];

  /** The container's environment as the installed Deployment gives it, POD_NAMESPACE resolved. */
  async function deploymentEnv(component: Component): Promise<Record<string, string>> {
    const got = await kubectl(['get', 'deployment', `${fullname}-${component}`, '-n', system, '-o', 'json']);
    expect(got.code, got.stderr).toBe(0);
    const env = (JSON.parse(got.stdout) as { spec: { template: { spec: { containers: { env: EnvVar[] }[] } } } }).spec.template.spec.containers[0]!.env;
    return Object.fromEntries(env.map((e) => [e.name, e.value ?? (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace' ? system : '')]));
  }

  /** A kubeconfig whose user is the ServiceAccount, with a token minted by the TokenRequest API. */
  async function serviceAccountKubeconfig(component: Component): Promise<string> {
    const token = await kubectl(['create', 'token', account(component), '-n', system, '--duration=2h']);
    expect(token.code, token.stderr).toBe(0);
    const cluster = kubeConfig().getCurrentCluster()!;
    const path = join(mkdtempSync(join(tmpdir(), `${component}-sa-`)), 'kubeconfig');
    writeKubeconfig(path, { server: cluster.server, caFile: cluster.caFile!, token: token.stdout.trim(), user: `system:serviceaccount:${system}:${account(component)}` });
    return path;
  }

  beforeAll(async () => {
    [system, tenant, outside] = await Promise.all([createNamespace(`${release}-sys`), createNamespace('tenant'), createNamespace('outside')]);
    const sandbox = sandboxEnv();
    const values = {
      rbac: { clusterScoped },
      // Cluster-wide RBAC still reconciles only the test's namespace: the sandbox is shared with other tests.
      orchestrationController: { namespaces: [tenant] },
      temporal: { address: sandbox.TEMPORAL_ADDRESS, namespace: sandbox.TEMPORAL_NAMESPACE, taskQueue: uniqueName('helm-rbac'), uiUrl: sandbox.TEMPORAL_UI_URL },
    };
    const installed = await helm(['install', release, CHART_DIR, '--namespace', system, '-f', valuesFile(values)], admin());
    expect(installed.code, installed.stderr).toBe(0);
    kubeconfigs.bridge = await serviceAccountKubeconfig('bridge');
    kubeconfigs.worker = await serviceAccountKubeconfig('worker');
    const [bridgeEnv, workerEnv] = await Promise.all([deploymentEnv('bridge'), deploymentEnv('worker')]);
    const taskQueue = workerEnv.ORCHESTRATION_TASK_QUEUE!;
    // The helpers' test settings give way to the Deployment's, but for the ports (free ones) and the
    // kubeconfig. An empty BRIDGE_LEASE_NAMESPACE is unset: the Lease goes to POD_NAMESPACE, as in the Pod.
    const [worker, bridge] = await Promise.all([
      startWorkerProcess({ taskQueue, env: { ...workerEnv, WORKER_HTTP_PORT: '0', KUBECONFIG: kubeconfigs.worker } }),
      startBridgeProcess({ taskQueue, namespace: tenant, leaseName: fullname, env: { ...bridgeEnv, BRIDGE_LEASE_NAMESPACE: '', BRIDGE_HTTP_PORT: '0', KUBECONFIG: kubeconfigs.bridge } }),
    ]);
    processes.push(worker, bridge);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    if (system) await helm(['uninstall', release, '--namespace', system], admin());
  });

  async function runOf(name: string): Promise<{ uid: string; status?: OrchestrationRunStatus } | undefined> {
    const got = await kubectl(['get', 'orchrun', name, '-n', tenant, '-o', 'json']);
    if (got.code !== 0) {
      if (got.stderr.includes('NotFound')) return undefined;
      throw new Error(`kubectl get orchrun ${name}: ${got.stderr}`);
    }
    const run = JSON.parse(got.stdout) as { metadata: { uid: string }; status?: OrchestrationRunStatus };
    return { uid: run.metadata.uid, status: run.status };
  }

  const untilPhase = (name: string, phase: string) =>
    waitFor(
      async () => {
        const run = await runOf(name);
        return run?.status?.phase === phase ? run : undefined;
      },
      { what: `run ${name} ${phase}`, timeoutMs: 90_000, failIf: () => processes.map((p) => p.exitMessage()).find(Boolean) },
    );

  const untilRunning = (name: string) =>
    waitFor(
      async () => {
        const run = await runOf(name);
        return run?.status?.steps?.some((s) => s.phase === 'Running' && s.jobName) ? run : undefined;
      },
      { what: `run ${name} with its Job step Running`, timeoutMs: 90_000, failIf: () => processes.map((p) => p.exitMessage()).find(Boolean) },
    );

  const jobsOf = async (uid: string) => {
    const got = await kubectl(['get', 'jobs', '-n', tenant, '-l', runJobSelector({ uid }), '-o', 'name']);
    expect(got.code, got.stderr).toBe(0);
    return got.stdout.trim().split('\n').filter(Boolean);
  };

  it('runs a run with an activity step and a Job step to Succeeded', async () => {
    const name = uniqueName('ok');
    const applied = await kubectl(['apply', '-f', '-'], runManifest(name, tenant, [activityStep, jobStep('build', { KWOK_TERMINATION_MESSAGE: 'built' })]));
    expect(applied.code, applied.stderr).toBe(0);
    const done = await untilPhase(name, 'Succeeded');
    expect(done.status?.steps).toEqual([expect.objectContaining({ name: 'wait', phase: 'Succeeded' }), expect.objectContaining({ name: 'build', phase: 'Succeeded', output: 'built' })]);
    // Each wrote its Event on the run: the worker's at the end, the bridge's along the way.
    const events = await kubectl(['get', 'events', '-n', tenant, '--field-selector', `involvedObject.name=${name}`, '-o', 'json']);
    const sources = (JSON.parse(events.stdout) as { items: { source?: { component?: string } }[] }).items.map((e) => e.source?.component);
    expect(sources).toContain('orchestration-worker');
  });

  it('runs an orchestration step: the worker reads the Orchestration and creates the child run, which Succeeds', async () => {
    const template = uniqueName('child');
    const orchestration = { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'Orchestration', metadata: { name: template, namespace: tenant }, spec: { steps: [activityStep] } };
    expect((await kubectl(['apply', '-f', '-'], stringify(orchestration))).code).toBe(0);
    const name = uniqueName('parent');
    const applied = await kubectl(['apply', '-f', '-'], runManifest(name, tenant, [{ name: 'sub', orchestration: { name: template } }]));
    expect(applied.code, applied.stderr).toBe(0);
    const done = await untilPhase(name, 'Succeeded');
    const child = done.status?.steps?.[0]?.childRun;
    expect(child).toBeDefined();
    expect((await runOf(child!))?.status?.phase).toBe('Succeeded');
  });

  it('cancels a run: its Job is deleted and the run ends Cancelled', async () => {
    const name = uniqueName('cancel');
    await kubectl(['apply', '-f', '-'], runManifest(name, tenant, [jobStep('forever', { KWOK_RUN_FOREVER: 'true' })]));
    const running = await untilRunning(name);
    const patched = await kubectl(['patch', 'orchrun', name, '-n', tenant, '--type=merge', '-p', '{"spec":{"cancel":true}}']);
    expect(patched.code, patched.stderr).toBe(0);
    await untilPhase(name, 'Cancelled');
    await waitFor(async () => ((await jobsOf(running.uid)).length === 0 ? true : undefined), { what: `the Jobs of ${name} deleted`, timeoutMs: 60_000 });
  });

  it('deletes a running run: the finalizer goes after cleanup and the run and its Jobs are gone', async () => {
    const name = uniqueName('delete');
    await kubectl(['apply', '-f', '-'], runManifest(name, tenant, [jobStep('forever', { KWOK_RUN_FOREVER: 'true' })]));
    const running = await untilRunning(name);
    const deleted = await kubectl(['delete', 'orchrun', name, '-n', tenant, '--wait=false']);
    expect(deleted.code, deleted.stderr).toBe(0);
    await waitFor(async () => ((await runOf(name)) === undefined ? true : undefined), { what: `run ${name} gone`, timeoutMs: 90_000 });
    await waitFor(async () => ((await jobsOf(running.uid)).length === 0 ? true : undefined), { what: `the Jobs of ${name} deleted`, timeoutMs: 60_000 });
  });

  it('deletes the Jobs of a run whose workflow an operator terminated in Temporal', async () => {
    const name = uniqueName('terminated');
    await kubectl(['apply', '-f', '-'], runManifest(name, tenant, [jobStep('forever', { KWOK_RUN_FOREVER: 'true' })]));
    const running = await untilRunning(name);
    const terminated = await temporalCli(['workflow', 'terminate', '--workflow-id', running.status!.temporal!.workflowId, '--reason', 'by an operator']);
    expect(terminated.code, terminated.stderr).toBe(0);
    await untilPhase(name, 'Failed');
    // Terminating runs no workflow code: the bridge deletes the Jobs (deletecollection).
    await waitFor(async () => ((await jobsOf(running.uid)).length === 0 ? true : undefined), { what: `the Jobs of ${name} deleted`, timeoutMs: 60_000 });
  });

  it('gives an Orchestration its Ready condition, and deletes a finished run of it when its retention runs out', async () => {
    const template = uniqueName('tmpl');
    const orchestration = { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'Orchestration', metadata: { name: template, namespace: tenant }, spec: { ttlSecondsAfterFinished: 5, steps: [activityStep] } };
    expect((await kubectl(['apply', '-f', '-'], stringify(orchestration))).code).toBe(0);
    await waitFor(
      async () => {
        const got = JSON.parse((await kubectl(['get', 'orchestrations.orchestration.proompteng.ai', template, '-n', tenant, '-o', 'json'])).stdout) as { status?: { conditions?: { type: string; status: string }[] } };
        return got.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
      },
      { what: `Orchestration ${template} Ready`, timeoutMs: 60_000 },
    );
    const name = uniqueName('kept');
    const run = { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name, namespace: tenant }, spec: { orchestrationRef: { name: template } } };
    expect((await kubectl(['apply', '-f', '-'], stringify(run))).code).toBe(0);
    const seen = await waitFor(async () => (await runOf(name))?.status?.retention, { what: `run ${name} finished with its retention`, timeoutMs: 90_000 });
    expect(seen).toMatchObject({ source: 'Orchestration' });
    await waitFor(async () => ((await runOf(name)) === undefined ? true : undefined), { what: `run ${name} deleted by retention`, timeoutMs: 60_000 });
  });

  it('never met a refusal while doing so: no Forbidden in either log', () => {
    for (const proc of processes) expect(readFileSync(proc.logFile, 'utf8'), proc.name).not.toMatch(/forbidden/i);
  });

  it.each(['bridge', 'worker'] as const)('refuses the %s ServiceAccount any Secret', async (component) => {
    const as = kubectlAs(kubeconfigs[component]);
    const user = `system:serviceaccount:${system}:${account(component)}`;
    for (const namespace of [tenant, system]) {
      const read = await as(['get', 'secrets', '-n', namespace]);
      expect(read.code).not.toBe(0);
      expect(read.stderr).toContain(`secrets is forbidden: User "${user}" cannot list resource "secrets"`);
      const write = await as(['create', 'secret', 'generic', 'probe', '-n', namespace, '--from-literal=k=v']);
      expect(write.code).not.toBe(0);
      expect(write.stderr).toContain(`cannot create resource "secrets"`);
    }
  });

  it('refuses writes the programs never make: a run created by the bridge, a run deleted by the worker, a Pod, another Lease', async () => {
    const bridge = kubectlAs(kubeconfigs.bridge);
    const worker = kubectlAs(kubeconfigs.worker);
    const created = await bridge(['create', '-f', '-'], runManifest(uniqueName('by-bridge'), tenant, [activityStep]));
    expect(created.stderr).toMatch(/orchestrationruns\.orchestration\.proompteng\.ai is forbidden: .* cannot create resource "orchestrationruns"/);
    const name = uniqueName('spec');
    await kubectl(['apply', '-f', '-'], runManifest(name, tenant, [activityStep]));
    // The worker creates a schedule's runs and patches them (the schedule's cancel annotation), so it may patch
    // a run (RBAC cannot narrow a patch to metadata); deleting one, or writing a schedule, it may not.
    const deleted = await worker(['delete', 'orchrun', name, '-n', tenant, '--wait=false']);
    expect(deleted.stderr).toMatch(/forbidden: .* cannot delete resource "orchestrationruns"/);
    expect(await (async () => (await worker(['auth', 'can-i', 'patch', 'orchestrationschedules.orchestration.proompteng.ai', '-n', tenant])).stdout.trim())()).toBe('no');
    const can = async (as: typeof bridge, ...args: string[]) => (await as(['auth', 'can-i', ...args])).stdout.trim();
    expect(await can(bridge, 'create', 'pods', '-n', tenant)).toBe('no');
    expect(await can(worker, 'create', 'pods', '-n', tenant)).toBe('no');
    expect(await can(worker, 'get', 'pods/log', '-n', tenant)).toBe('no');
    expect(await can(bridge, 'create', 'jobs', '-n', tenant)).toBe('no');
    expect(await can(bridge, 'update', `leases/${fullname}`, '-n', system)).toBe('yes');
    expect(await can(bridge, 'update', 'leases/kube-scheduler', '-n', system)).toBe('no');
    expect(await can(worker, 'update', `leases/${fullname}`, '-n', system)).toBe('no');
  });

  if (!clusterScoped) {
    it('refuses the bridge and the worker a namespace outside orchestrationController.namespaces', async () => {
      const bridge = kubectlAs(kubeconfigs.bridge);
      const worker = kubectlAs(kubeconfigs.worker);
      const name = uniqueName('outside');
      const made = await kubectl(['apply', '-f', '-'], runManifest(name, outside, [activityStep]));
      expect(made.code, made.stderr).toBe(0);
      // The bridge's own calls (executor.ts), as its ServiceAccount: refused with 403, naming the verb.
      const kc = loadKubeConfig(kubeconfigs.bridge);
      const objects = kc.makeApiClient(CustomObjectsApi);
      const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
      const refused = (call: Promise<unknown>) => call.then(() => 'allowed', (err: unknown) => `${apiStatus(err)} ${apiErrorMessage(err)}`);
      expect(await refused(objects.patchNamespacedCustomObject({ ...runObjectRef({ namespace: outside, name }), body: { metadata: { finalizers: [RUNTIME_CLEANUP_FINALIZER] } } }, merge))).toMatch(
        new RegExp(`^403 .* cannot patch resource "orchestrationruns" in API group "orchestration.proompteng.ai" in the namespace "${outside}"`),
      );
      expect(await refused(objects.patchNamespacedCustomObjectStatus({ ...runObjectRef({ namespace: outside, name }), body: { status: { phase: 'Failed' } } }, merge))).toMatch(
        /^403 .* cannot patch resource "orchestrationruns\/status"/,
      );
      expect(await refused(objects.createNamespacedCustomObject({ ...runObjectRef({ namespace: outside, name }), body: runObject(uniqueName('x'), outside, [activityStep]) }))).toMatch(/^403 .* cannot create resource "orchestrationruns"/);
      expect((await bridge(['auth', 'can-i', 'patch', 'orchestrationruns.orchestration.proompteng.ai', '-n', outside])).stdout.trim()).toBe('no');
      const job = await worker(['create', 'job', uniqueName('job'), '-n', outside, '--image=busybox']);
      expect(job.stderr).toContain(`cannot create resource "jobs" in API group "batch" in the namespace "${outside}"`);
      const listAll = await bridge(['get', 'orchrun', '--all-namespaces']);
      expect(listAll.stderr).toContain('cannot list resource "orchestrationruns" in API group "orchestration.proompteng.ai" at the cluster scope');
      // The run outside was left alone: no finalizer, no status.
      const untouched = JSON.parse((await kubectl(['get', 'orchrun', name, '-n', outside, '-o', 'json'])).stdout) as { metadata: { finalizers?: string[] }; status?: unknown };
      expect([untouched.metadata.finalizers, untouched.status]).toEqual([undefined, undefined]);
    });
  } else {
    it('grants the same verbs in every namespace, and listing at the cluster scope', async () => {
      const can = async (kubeconfig: string, ...args: string[]) => (await kubectlAs(kubeconfig)(['auth', 'can-i', ...args])).stdout.trim();
      expect(await can(kubeconfigs.bridge, 'patch', 'orchestrationruns.orchestration.proompteng.ai', '-n', outside)).toBe('yes');
      expect(await can(kubeconfigs.worker, 'create', 'jobs', '-n', outside)).toBe('yes');
      const listAll = await kubectlAs(kubeconfigs.bridge)(['get', 'orchrun', '--all-namespaces', '-o', 'name']);
      expect(listAll.code, listAll.stderr).toBe(0);
      expect(await can(kubeconfigs.bridge, 'get', 'secrets', '--all-namespaces')).toBe('no');
    });
  }
});
