// Job steps take Secrets by reference only: a run applied with kubectl, run by the bridge and worker as
// processes of their own, hands a Secret and a ConfigMap to its Job through valueFrom, envFrom and a secret
// volume. The Job and Pod carry the references (so the workload gets the values), and a marker planted as
// the Secret's value is found nowhere else: not in the run's status, its Events, the bridge and worker logs,
// or the workflow's Temporal history. A control run that does put a marker in its parameters shows the same
// searches do find one.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Connection } from '@temporalio/client';
import { Client } from '@temporalio/client';
import { connectTemporal } from '../../common/temporal-connection.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runJobSelector } from '../../core/index.js';
import type { ManagedProcess } from '../../sandbox/process.js';
import { waitFor } from '../../sandbox/wait.js';
import { createNamespace } from '../support/bridge-harness.js';
import { startBridgeProcess, startWorkerProcess } from '../support/processes.js';
import { kubectl, sandboxEnv, uniqueName } from '../support/sandbox.js';

let ns: string;
let worker: ManagedProcess;
let bridge: ManagedProcess;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  ns = await createNamespace('secrets');
  const taskQueue = uniqueName('tq');
  worker = await startWorkerProcess({ taskQueue });
  bridge = await startBridgeProcess({ taskQueue, namespace: ns, leaseName: uniqueName('lease') });
  connection = await connectTemporal({ address: sandboxEnv().TEMPORAL_ADDRESS });
  client = new Client({ connection, namespace: sandboxEnv().TEMPORAL_NAMESPACE });
}, 120_000);
afterAll(async () => {
  await Promise.all([worker?.stop(5000), bridge?.stop(5000)]);
  await connection?.close();
});

/** kubectl apply of YAML documents in the test namespace, as a user would; fails the test on a refusal. */
async function apply(...objects: object[]) {
  const applied = await kubectl(['apply', '-n', ns, '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
  expect(applied.stderr, 'kubectl apply').toBe('');
  expect(applied.code).toBe(0);
}

async function getJson<T = Record<string, unknown>>(args: string[]): Promise<{ raw: string; value: T }> {
  const got = await kubectl(['get', ...args, '-n', ns, '-o', 'json']);
  if (got.code !== 0) throw new Error(`kubectl get ${args.join(' ')}: ${got.stderr}`);
  return { raw: got.stdout, value: JSON.parse(got.stdout) as T };
}

interface RunObject {
  metadata: { uid: string };
  status?: { phase?: string; temporal?: { workflowId?: string }; steps?: { output?: string }[] };
}

const finished = (name: string) =>
  waitFor(
    async () => {
      const run = await getJson<RunObject>(['orchrun', name]);
      return ['Succeeded', 'Failed', 'Cancelled'].includes(run.value.status?.phase ?? '') ? run : undefined;
    },
    { what: `run ${name} finished`, timeoutMs: 90_000 },
  );

/**
 * Every string of the workflow's full history, payloads decoded: Temporal stores inputs, results and
 * failures as bytes, so a JSON dump of the protobuf objects would hide a value that is there.
 */
async function historyText(workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const parts: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') parts.push(value);
    else if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(history);
  expect(history.events?.length ?? 0, 'the history has events').toBeGreaterThan(0);
  return parts.join('\n');
}

/** Where a value could leak: the marker as written, and as a Secret's data holds it (base64). */
const leaks = (text: string, marker: string) => text.includes(marker) || text.includes(Buffer.from(marker).toString('base64'));

describe('a Job step that takes a Secret and a ConfigMap by reference', () => {
  it('gives the workload the references, and the values reach neither the status, the Events, the logs nor Temporal', { timeout: 180_000 }, async () => {
    const secretMarker = `secret-marker-${randomUUID()}`;
    const configMarker = `config-marker-${randomUUID()}`;
    const name = uniqueName('uses-secret');
    await apply(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-credentials' }, stringData: { password: secretMarker } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-settings' }, data: { endpoint: configMarker } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app-runner' } },
      {
        apiVersion: 'orchestration.proompteng.ai/v1alpha1',
        kind: 'OrchestrationRun',
        metadata: { name },
        spec: {
          steps: [
            {
              name: 'deploy',
              job: {
                image: 'busybox',
                command: ['sh', '-c', 'test -n "$PASSWORD" && cat /etc/credentials/password >/dev/null'],
                env: [
                  { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-credentials', key: 'password' } } },
                  { name: 'ENDPOINT', valueFrom: { configMapKeyRef: { name: 'app-settings', key: 'endpoint' } } },
                  { name: 'KWOK_TERMINATION_MESSAGE', value: 'deployed' },
                ],
                envFrom: [{ secretRef: { name: 'app-credentials' }, prefix: 'APP_' }, { configMapRef: { name: 'app-settings' } }],
                volumes: [{ name: 'credentials', secret: { secretName: 'app-credentials' } }],
                volumeMounts: [{ name: 'credentials', mountPath: '/etc/credentials', readOnly: true }],
                serviceAccountName: 'app-runner',
                labels: { team: 'platform' },
              },
            },
          ],
        },
      },
    );

    const run = await finished(name);
    expect(run.value.status?.phase).toBe('Succeeded');
    expect(run.value.status?.steps?.[0]?.output).toBe('deployed');

    // The workload would get the values: its Job and Pod carry the references, and only them.
    const jobs = await getJson<{ items: { spec: { template: { spec: Record<string, unknown> } } }[] }>(['jobs', '-l', runJobSelector({ uid: run.value.metadata.uid })]);
    expect(jobs.value.items).toHaveLength(1);
    const pods = await waitFor(
      async () => {
        const listed = await getJson<{ items: { spec: Record<string, unknown> }[] }>(['pods', '-l', runJobSelector({ uid: run.value.metadata.uid })]);
        return listed.value.items.length > 0 ? listed : undefined;
      },
      { what: `Pod of ${name}`, timeoutMs: 30_000 },
    );
    for (const spec of [jobs.value.items[0]!.spec.template.spec, pods.value.items[0]!.spec]) {
      const [container] = spec.containers as Record<string, unknown>[];
      expect(container!.env).toEqual([
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-credentials', key: 'password' } } },
        { name: 'ENDPOINT', valueFrom: { configMapKeyRef: { name: 'app-settings', key: 'endpoint' } } },
        { name: 'KWOK_TERMINATION_MESSAGE', value: 'deployed' },
      ]);
      expect(container!.envFrom).toEqual([{ secretRef: { name: 'app-credentials' }, prefix: 'APP_' }, { configMapRef: { name: 'app-settings' } }]);
      expect(container!.volumeMounts).toEqual(expect.arrayContaining([{ name: 'credentials', mountPath: '/etc/credentials', readOnly: true }]));
      expect((spec.volumes as { name: string; secret?: { secretName: string } }[]).find((v) => v.name === 'credentials')?.secret?.secretName).toBe('app-credentials');
      expect(spec.serviceAccountName).toBe('app-runner');
    }
    expect(pods.value.items[0]).toMatchObject({ metadata: { labels: { team: 'platform' } } });
    expect(leaks(jobs.raw + pods.raw, secretMarker)).toBe(false);

    // The four places a value could leak to.
    const status = (await getJson(['orchrun', name])).raw;
    const events = (await getJson(['events'])).raw;
    const logs = readFileSync(worker.logFile, 'utf8') + readFileSync(bridge.logFile, 'utf8');
    const history = await historyText(run.value.status!.temporal!.workflowId!);
    expect(history, 'the history holds the run and its step').toContain('app-credentials');
    expect(logs, 'the logs are the processes that ran the run').toContain('worker started');
    for (const marker of [secretMarker, configMarker]) {
      expect({ status: leaks(status, marker), events: leaks(events, marker), logs: leaks(logs, marker), history: leaks(history, marker) }, marker).toEqual({
        status: false,
        events: false,
        logs: false,
        history: false,
      });
    }
  });

  it('control: a value put in parameters is in the status and the history, where the same searches find it', { timeout: 180_000 }, async () => {
    const marker = `parameter-marker-${randomUUID()}`;
    const name = uniqueName('uses-parameter');
    await apply({
      apiVersion: 'orchestration.proompteng.ai/v1alpha1',
      kind: 'OrchestrationRun',
      metadata: { name },
      spec: {
        parameters: { token: marker },
        steps: [{ name: 'deploy', job: { image: 'busybox', env: [{ name: 'KWOK_TERMINATION_MESSAGE', value: '{{params.token}}' }] } }],
      },
    });
    const run = await finished(name);
    expect(run.value.status?.phase).toBe('Succeeded');
    expect(leaks((await getJson(['orchrun', name])).raw, marker)).toBe(true);
    expect(leaks(await historyText(run.value.status!.temporal!.workflowId!), marker)).toBe(true);
  });
});

describe('examples/job-with-secret.yaml', () => {
  it('applies as the README says and Succeeds, its Pod running as its ServiceAccount with the references', { timeout: 120_000 }, async () => {
    const applied = await kubectl(['apply', '-n', ns, '-f', 'examples/job-with-secret.yaml']);
    expect(applied.stderr).toBe('');
    const run = await finished('job-with-secret');
    expect(run.value.status?.phase).toBe('Succeeded');
    const pods = await getJson<{ items: { spec: { serviceAccountName?: string; containers: { env?: unknown[] }[] } }[] }>(['pods', '-l', runJobSelector({ uid: run.value.metadata.uid })]);
    expect(pods.value.items[0]?.spec.serviceAccountName).toBe('migrator');
    expect(pods.value.items[0]?.spec.containers[0]?.env).toContainEqual({ name: 'DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } });
  });
});

describe('a Job the apiserver refuses', () => {
  it('fails its step with JobRejected and the apiserver\'s message (an In with no values)', { timeout: 120_000 }, async () => {
    const name = uniqueName('refused');
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In' }] }] } } };
    await apply({
      apiVersion: 'orchestration.proompteng.ai/v1alpha1',
      kind: 'OrchestrationRun',
      metadata: { name },
      spec: { steps: [{ name: 'placed', retry: { maxAttempts: 3 }, job: { image: 'busybox', affinity } }] },
    });
    const run = await finished(name);
    expect(run.value.status?.phase).toBe('Failed');
    const [step] = (run.value.status as { steps: { reason?: string; message?: string; attempts?: number }[] }).steps;
    expect(step).toMatchObject({ reason: 'JobRejected' });
    expect(step!.message).toMatch(/the apiserver rejected Job .*matchExpressions\[0\]\.values/);
  });
});

describe('the apiserver admits Job steps for real workloads', () => {
  const runWith = (job: Record<string, unknown>) => ({
    apiVersion: 'orchestration.proompteng.ai/v1alpha1',
    kind: 'OrchestrationRun',
    metadata: { name: uniqueName('admit') },
    spec: { steps: [{ name: 'a', job: { image: 'busybox', ...job } }] },
  });
  const tryApply = (object: object) => kubectl(['apply', '-n', ns, '--dry-run=server', '-f', '-'], stringify(object));

  it('accepts valueFrom, which it used to refuse', async () => {
    const applied = await tryApply(runWith({ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }));
    expect(applied.stderr).toBe('');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a mount of an undeclared volume', { volumes: [{ name: 'v', emptyDir: {} }], volumeMounts: [{ name: 'w', mountPath: '/w' }] }, 'every volumeMounts entry must name a volume of this job step'],
    ['a controller label', { labels: { 'orchestration.proompteng.ai/run-uid': 'x' } }, 'may not set keys the controller sets on its Jobs and Pods'],
    ['valueFrom with two sources', { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' }, configMapKeyRef: { name: 'c', key: 'k' } } }] }, 'exactly one of secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef must be set'],
    ['a hostPath volume', { volumes: [{ name: 'v', hostPath: { path: '/' } }] }, 'unknown field "spec.steps[0].job.volumes[0].hostPath"'],
    ['a privileged container', { securityContext: { privileged: true } }, 'unknown field "spec.steps[0].job.securityContext.privileged"'],
    ['adding SYS_ADMIN', { securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }, 'spec.steps[0].job.securityContext.capabilities.add[0]: Unsupported value: "SYS_ADMIN"'],
    ['an Unconfined seccomp profile', { podSecurityContext: { seccompProfile: { type: 'Unconfined' } } }, 'spec.steps[0].job.podSecurityContext.seccompProfile.type: Unsupported value: "Unconfined"'],
    ['an AppArmor annotation', { annotations: { 'container.apparmor.security.beta.kubernetes.io/step': 'unconfined' } }, "nor keys that loosen the Pod's confinement"],
    ['a subPath with ".."', { volumes: [{ name: 'v', emptyDir: {} }], volumeMounts: [{ name: 'v', mountPath: '/v', subPath: '../x' }] }, 'spec.steps[0].job.volumeMounts[0].subPath'],
  ])('refuses %s, naming it', async (_, job, message) => {
    const applied = await tryApply(runWith(job));
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toContain(message);
  });
});
