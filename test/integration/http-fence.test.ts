// Issue 11: the tenant probe, replayed. A run in a tenant's namespace whose http steps call the Temporal UI's
// API, the Temporal frontend, the kube-apiserver, the cloud metadata address, and a denied local server by way
// of a redirect from the one server the worker allows. A real worker process with the default fence plus that
// one allowance; every probe fails at its first attempt despite a retry policy, naming the rule, and nothing
// the denied servers hold reaches the run.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../core/index.js';
import type { ManagedProcess } from '../../sandbox/process.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { startWorkerProcess } from '../support/processes.js';
import { kubeConfig, sandboxEnv, uniqueName } from '../support/sandbox.js';

let h: BridgeHarness;
let workerProcess: ManagedProcess | undefined;
let allowed: Server;
let secret: Server;
let allowedBase: string;
let secretBase: string;
const MARKER = 'tenant-b-secret-marker';
const secretRequests: string[] = [];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  // What another tenant's service would hand out: the worker must never fetch it.
  secret = createServer((req, res) => {
    secretRequests.push(req.url ?? '');
    res.writeHead(200).end(MARKER);
  });
  secretBase = await listen(secret);
  allowed = createServer((req, res) => {
    if (req.url === '/hop') res.writeHead(302, { location: `${secretBase}/data` }).end();
    else res.writeHead(200).end('allowed and reached');
  });
  allowedBase = await listen(allowed);
  h = await startBridgeHarness('tenant-a');
  // Only the worker process below, configured as an operator would, polls the run's task queue.
  await h.tw.stopWorker();
  workerProcess = await startWorkerProcess({ taskQueue: h.tw.taskQueue, env: { HTTP_STEP_ALLOWED_DESTINATIONS: new URL(allowedBase).host } });
});
afterAll(async () => {
  await workerProcess?.stop(5000);
  await h?.stop();
  await Promise.all([allowed, secret].map((s) => new Promise((resolve) => s?.close(resolve))));
});

describe('the http step fence', () => {
  it('refuses the tenant probe: Failed at the first attempt, the rule named, nothing leaked', async () => {
    const env = sandboxEnv();
    const ui = new URL(env.TEMPORAL_UI_URL);
    const kube = new URL(kubeConfig().getCurrentCluster()!.server);
    const retry = { maxAttempts: 3, initialIntervalSeconds: 0.1 };
    // dependsOn: [] for each: independent steps, not the sequential fallback, so each one runs.
    const probe = (name: string, url: string) => ({ name, dependsOn: [], retry, activity: { name: 'http', input: { url } } });
    const name = uniqueName('probe');
    const applied = await h.apply('OrchestrationRun', name, {
      steps: [
        probe('ui', `${env.TEMPORAL_UI_URL}/api/v1/namespaces/default/workflows?query=${encodeURIComponent('WorkflowType="orchestrationRunWorkflow"')}`),
        probe('frontend', `http://${env.TEMPORAL_ADDRESS}/`),
        probe('kube', `${kube.origin}/api/v1/namespaces/default/secrets`),
        probe('metadata', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'),
        probe('redirect', `${allowedBase}/hop`),
        probe('allowed', `${allowedBase}/ok`),
      ],
    });
    expect(applied.code, applied.stderr).toBe(0);
    const status = await h.phaseOf(name, ['Succeeded', 'Failed'], 90_000);
    expect(status.phase).toBe('Failed');
    const steps = Object.fromEntries((status.steps ?? []).map((s) => [s.name, s]));

    // The allowance works: the one allowed server answered.
    expect(steps.allowed).toMatchObject({ phase: 'Succeeded', output: 'allowed and reached' });
    const refused = (host: string, rule: string) => ({ phase: 'Failed', reason: 'HttpDestinationRefused', message: expect.stringContaining(`${host} is denied by rule ${rule}`) as unknown });
    expect(steps.ui).toMatchObject(refused(ui.host, `temporal-ui ${ui.host}`));
    expect(steps.frontend).toMatchObject(refused(env.TEMPORAL_ADDRESS, `temporal-frontend ${env.TEMPORAL_ADDRESS}`));
    expect(steps.kube).toMatchObject(refused(kube.host, `kubernetes-api ${kube.host}`));
    expect(steps.metadata).toMatchObject(refused('169.254.169.254:80', 'link-local 169.254.0.0/16'));
    expect(steps.redirect).toMatchObject(refused(new URL(secretBase).host, 'loopback 127.0.0.0/8'));
    expect(steps.redirect!.message).toContain('; allow it with HTTP_STEP_ALLOWED_DESTINATIONS (by address');
    expect(steps.ui!.message).toMatch(/never open to http steps$/);

    // One attempt each, whatever the retry policy allowed (status omits attempts when it is 1), and Temporal
    // delivered each step's activity once.
    for (const s of ['ui', 'frontend', 'kube', 'metadata', 'redirect']) {
      expect(steps[s]!.attempts ?? 1, s).toBe(1);
      expect(steps[s]!.output, s).toBeUndefined();
    }
    const history = await h.tw.client.workflow.getHandle(workflowIdFor({ namespace: h.ns, name, uid: status.uid })).fetchHistory();
    const events = history.events ?? [];
    const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'http').map((e) => String(e.eventId)));
    expect(scheduled.size).toBe(6);
    const started = events.filter((e) => scheduled.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId)));
    expect(started.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(secretRequests).toEqual([]);
    expect(JSON.stringify(status)).not.toContain(MARKER);
  });
});
