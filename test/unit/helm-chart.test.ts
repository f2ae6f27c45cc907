// The Helm chart as `helm lint` and `helm template` see it: both RBAC modes lint clean, the schema refuses bad
// values naming them, the manifests grant what the code calls and nothing else, every variable the chart sets
// is one the bridge or the worker reads, and deploy/install.yaml is the chart rendered with its defaults.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BRIDGE_ENV_VARIABLES, loadBridgeConfig } from '../../bridge/config.js';
import { INSTALL_YAML, renderInstallYaml } from '../../deploy/install-yaml.js';
import { loadWorkerConfig, SHUTDOWN_EXIT_MARGIN_SECONDS, SHUTDOWN_FORCE_MARGIN_SECONDS, WORKER_ENV_VARIABLES } from '../../worker/config.js';
import { CHART_DIR, helm, helmBinary, renderChart, valuesFile, type Manifest } from '../support/helm.js';

const NAMESPACED = { rbac: { clusterScoped: false }, orchestrationController: { namespaces: ['team-a', 'team-b'] } };

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type EnvVar = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } } };
type Container = { name: string; args: string[]; env: EnvVar[]; ports: { containerPort: number }[]; securityContext: Record<string, unknown> };
type PodSpec = { serviceAccountName: string; terminationGracePeriodSeconds?: number; securityContext: Record<string, unknown>; containers: Container[] };

const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const named = (manifests: Manifest[], kind: string, name: string) => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
};
const podSpec = (manifests: Manifest[], component: 'bridge' | 'worker') =>
  (named(manifests, 'Deployment', `test-orchestration-bridge-${component}`) as unknown as { spec: { replicas: number; template: { spec: PodSpec } } }).spec;
const container = (manifests: Manifest[], component: 'bridge' | 'worker') => podSpec(manifests, component).template.spec.containers[0]!;
const rulesOf = (m: Manifest) => (m as unknown as { rules: Rule[] }).rules;

/** A container's environment as the program would see it in namespace `podNamespace` (Secrets not resolved). */
function envOf(c: Container, podNamespace: string): Record<string, string> {
  return Object.fromEntries(
    c.env.filter((e) => e.value !== undefined || e.valueFrom?.fieldRef).map((e) => [e.name, e.value ?? (e.valueFrom!.fieldRef!.fieldPath === 'metadata.namespace' ? podNamespace : '')]),
  );
}

/** Values the rendered chart refuses, by the message helm prints. */
async function refusal(values: object): Promise<string> {
  const got = await helm(['template', 'test', CHART_DIR, '-f', valuesFile(values)]);
  expect(got.code, `helm template accepted ${JSON.stringify(values)}`).not.toBe(0);
  return got.stderr;
}

describe('helm lint', () => {
  it.each([
    ['cluster-wide (defaults)', {}],
    ['namespaced', NAMESPACED],
  ])('%s passes --strict', async (_, values) => {
    const got = await helm(['lint', '--strict', CHART_DIR, '-f', valuesFile(values)]);
    expect(got.stdout + got.stderr).toContain('0 chart(s) failed');
    expect(got.code).toBe(0);
  });
});

describe('values.schema.json', () => {
  it.each([
    ['an unknown key', { bridge: { replica: 3 } }, /replica/],
    ['an unknown top-level key', { rbacc: { clusterScoped: false } }, /rbacc/],
    ['a wrong type', { bridge: { replicas: 'two' } }, /\/bridge\/replicas/],
    ['a value outside its enum', { image: { pullPolicy: 'Sometimes' } }, /\/image\/pullPolicy/],
    ['a variable neither program reads', { controllers: { env: { vars: { JANGAR_ORCHESTRATION_CANCEL_TIMEOUT: 1000 } } } }, /JANGAR_ORCHESTRATION_CANCEL_TIMEOUT/],
    ['a variable the chart sets from its own value', { controllers: { env: { vars: { WORKER_SHUTDOWN_GRACE_SECONDS: 30 } } } }, /WORKER_SHUTDOWN_GRACE_SECONDS/],
    ['a bound the bridge enforces', { controllers: { env: { vars: { JANGAR_ORCHESTRATION_CANCEL_TIMEOUT_MS: 10 } } } }, /JANGAR_ORCHESTRATION_CANCEL_TIMEOUT_MS/],
    ['a namespace that is no DNS-1123 label', { orchestrationController: { namespaces: ['Team_A'] } }, /\/orchestrationController\/namespaces\/0/],
    ['namespaced RBAC without namespaces', { rbac: { clusterScoped: false } }, /\/orchestrationController\/namespaces.*minItems/],
    ['a Temporal address without a port', { temporal: { address: 'temporal.example.com' } }, /\/temporal\/address/],
  ])('refuses %s, naming it', async (_, values, message) => {
    expect(await refusal(values)).toMatch(message);
  });

  // Every variable reaches a program: set by the chart from a value of its own, or through controllers.env.vars.
  it('offers each variable the bridge and the worker read, once', async () => {
    const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as {
      properties: { controllers: { properties: { env: { properties: { vars: { properties: Record<string, unknown> } } } } } };
    };
    const viaVars = Object.keys(schema.properties.controllers.properties.env.properties.vars.properties);
    const manifests = await renderChart({});
    const setByChart = new Set([...container(manifests, 'bridge').env, ...container(manifests, 'worker').env].map((e) => e.name));
    // The Lease lives in the release namespace (POD_NAMESPACE), where the chart grants access to it.
    const notOffered = ['BRIDGE_LEASE_NAMESPACE'];
    const read = new Set([...BRIDGE_ENV_VARIABLES, ...WORKER_ENV_VARIABLES]);
    expect(viaVars.filter((name) => setByChart.has(name))).toEqual([]);
    expect([...read].filter((name) => !setByChart.has(name) && !viaVars.includes(name) && !notOffered.includes(name))).toEqual([]);
    expect(viaVars.filter((name) => !read.has(name))).toEqual([]);
  });

  it("bounds controllers.env.vars as the programs' own schemas do", () => {
    const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as {
      properties: { controllers: { properties: { env: { properties: { vars: { properties: Record<string, { type: string; minimum?: number; maximum?: number }> } } } } } };
    };
    const vars = schema.properties.controllers.properties.env.properties.vars.properties;
    const accepts = (name: string, value: string) => {
      try {
        if (BRIDGE_ENV_VARIABLES.includes(name)) loadBridgeConfig({ [name]: value });
        else loadWorkerConfig({ [name]: value });
        return true;
      } catch {
        return false;
      }
    };
    for (const [name, rule] of Object.entries(vars)) {
      if (rule.type === 'boolean') {
        expect([accepts(name, 'true'), accepts(name, 'false')], name).toEqual([true, true]);
        continue;
      }
      expect(rule.type, name).toBe('integer');
      expect([rule.minimum, rule.maximum].every((b) => b !== undefined), `${name} has both bounds`).toBe(true);
      expect([accepts(name, String(rule.minimum)), accepts(name, String(rule.maximum))], `${name} at its bounds`).toEqual([true, true]);
      expect([accepts(name, String(rule.minimum! - 1)), accepts(name, String(rule.maximum! + 1))], `${name} past its bounds`).toEqual([false, false]);
    }
  });
});

describe('helm template, cluster-wide (the defaults)', () => {
  it('binds one ClusterRole per program, named after the release, and a Lease Role in the release namespace', async () => {
    const manifests = await renderChart({}, { release: 'test', namespace: 'ops' });
    expect(ofKind(manifests, 'ClusterRole').map((m) => m.metadata.name).sort()).toEqual(['test-orchestration-bridge-bridge', 'test-orchestration-bridge-worker']);
    for (const binding of ofKind(manifests, 'ClusterRoleBinding')) {
      expect(binding).toMatchObject({ roleRef: { kind: 'ClusterRole', name: binding.metadata.name }, subjects: [{ kind: 'ServiceAccount', name: binding.metadata.name, namespace: 'ops' }] });
    }
    expect(ofKind(manifests, 'Role').map((m) => `${m.metadata.namespace}/${m.metadata.name}`)).toEqual(['ops/test-orchestration-bridge-bridge-lease']);
    expect(ofKind(manifests, 'ServiceAccount').map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort()).toEqual([
      'ops/test-orchestration-bridge-bridge',
      'ops/test-orchestration-bridge-worker',
    ]);
  });

  it('grants what the code calls: no Secrets, no wildcards, no update where the code patches', async () => {
    const manifests = await renderChart({});
    const byResource = (m: Manifest) => Object.fromEntries(rulesOf(m).map((r) => [`${r.apiGroups.join()}/${r.resources.join()}${r.resourceNames ? `[${r.resourceNames.join()}]` : ''}`, r.verbs]));
    expect(byResource(named(manifests, 'ClusterRole', 'test-orchestration-bridge-bridge'))).toEqual({
      'orchestration.proompteng.ai/orchestrationruns': ['get', 'list', 'watch', 'patch', 'delete'],
      'orchestration.proompteng.ai/orchestrationruns/status': ['patch'],
      'orchestration.proompteng.ai/orchestrations': ['list', 'watch'],
      'orchestration.proompteng.ai/orchestrations/status': ['patch'],
      'orchestration.proompteng.ai/orchestrationschedules': ['get', 'list', 'watch', 'patch'],
      'orchestration.proompteng.ai/orchestrationschedules/status': ['patch'],
      'batch/jobs': ['deletecollection'],
      '/events': ['create'],
    });
    expect(byResource(named(manifests, 'ClusterRole', 'test-orchestration-bridge-worker'))).toEqual({
      'orchestration.proompteng.ai/orchestrationruns': ['get', 'create', 'patch'],
      'orchestration.proompteng.ai/orchestrationschedules': ['get'],
      'orchestration.proompteng.ai/orchestrationruns/status': ['patch'],
      'orchestration.proompteng.ai/orchestrations': ['get'],
      'batch/jobs': ['create', 'get', 'list', 'watch', 'delete'],
      '/pods': ['list'],
      '/events': ['create'],
    });
    expect(byResource(named(manifests, 'Role', 'test-orchestration-bridge-bridge-lease'))).toEqual({
      'coordination.k8s.io/leases': ['create'],
      'coordination.k8s.io/leases[test-orchestration-bridge]': ['get', 'update'],
    });
    const all = [...ofKind(manifests, 'ClusterRole'), ...ofKind(manifests, 'Role')].flatMap(rulesOf);
    expect(all.flatMap((r) => [...r.resources, ...r.verbs, ...r.apiGroups]).filter((word) => word === '*' || word === 'secrets')).toEqual([]);
  });

  it('runs the bridge with 2 replicas, leader election by Lease, probes and a PodDisruptionBudget', async () => {
    const manifests = await renderChart({}, { release: 'test', namespace: 'ops' });
    const bridge = podSpec(manifests, 'bridge');
    expect(bridge.replicas).toBe(2);
    const c = container(manifests, 'bridge');
    expect(c.args).toEqual(['bridge']);
    expect(c).toMatchObject({ livenessProbe: { httpGet: { path: '/healthz' } }, readinessProbe: { httpGet: { path: '/readyz' } } });
    const config = loadBridgeConfig(envOf(c, 'ops'));
    expect(config).toMatchObject({ lease: { name: 'test-orchestration-bridge', namespace: 'ops' }, namespaces: [], enabled: true, httpPort: c.ports[0]!.containerPort });
    expect(named(manifests, 'PodDisruptionBudget', 'test-orchestration-bridge-bridge')).toMatchObject({
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/component': 'bridge' } } },
    });
  });

  it('gives the worker a termination grace of its shutdown grace plus the hand-back margin, from one value', async () => {
    const manifests = await renderChart({ worker: { shutdownGraceSeconds: 45 } });
    expect(podSpec(manifests, 'worker').template.spec.terminationGracePeriodSeconds).toBe(45 + SHUTDOWN_FORCE_MARGIN_SECONDS + SHUTDOWN_EXIT_MARGIN_SECONDS);
    const config = loadWorkerConfig(envOf(container(manifests, 'worker'), 'ops'));
    expect(config).toMatchObject({ shutdownGraceSeconds: 45, jobTtlSeconds: 600, httpPort: container(manifests, 'worker').ports[0]!.containerPort });
  });

  it('runs both as non-root on a read-only root with no capabilities, the image tag defaulting to appVersion', async () => {
    const manifests = await renderChart({});
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    const pkg = JSON.parse(readFileSync(join(CHART_DIR, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(chart.appVersion).toBe(pkg.version);
    for (const component of ['bridge', 'worker'] as const) {
      const spec = podSpec(manifests, component).template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.containers[0]!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(spec.containers[0]).toMatchObject({ image: `orchestration-bridge:${pkg.version}`, args: [component] });
      expect(spec.serviceAccountName).toBe(`test-orchestration-bridge-${component}`);
    }
    expect(ofKind(manifests, 'Service').map((m) => m.metadata.name).sort()).toEqual(['test-orchestration-bridge-bridge-metrics', 'test-orchestration-bridge-worker-metrics']);
    expect(ofKind(manifests, 'ServiceMonitor')).toEqual([]);
    expect(ofKind(await renderChart({ metrics: { serviceMonitor: { enabled: true } } }), 'ServiceMonitor')).toHaveLength(1);
  });
});

describe('helm template, namespaced', () => {
  it('grants in the listed namespaces only: a Role and RoleBinding per program there, no ClusterRole', async () => {
    const manifests = await renderChart(NAMESPACED, { namespace: 'ops' });
    expect(ofKind(manifests, 'ClusterRole')).toEqual([]);
    expect(ofKind(manifests, 'ClusterRoleBinding')).toEqual([]);
    const where = (kind: string) => ofKind(manifests, kind).map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort();
    const expected = ['team-a', 'team-b'].flatMap((ns) => [`${ns}/test-orchestration-bridge-bridge`, `${ns}/test-orchestration-bridge-worker`]).concat('ops/test-orchestration-bridge-bridge-lease').sort();
    expect(where('Role')).toEqual(expected);
    expect(where('RoleBinding')).toEqual(expected);
    expect(loadBridgeConfig(envOf(container(manifests, 'bridge'), 'ops')).namespaces).toEqual(['team-a', 'team-b']);
  });
});

describe('values → environment', () => {
  it('maps the seeds\' values and the Temporal connection to the variables the programs read', async () => {
    const manifests = await renderChart({
      orchestrationController: { enabled: false, namespaces: ['team-a'] },
      controller: { jobTtlSecondsAfterFinished: 86400 },
      worker: { httpStep: { allowedDestinations: ['*.ci.svc.cluster.local', '10.0.0.0/8'], deniedDestinations: ['hooks.example.com:443'], unlistedDestinations: 'deny' } },
      controllers: { env: { vars: { JANGAR_ORCHESTRATION_CANCEL_TIMEOUT_MS: 86_400_000, JANGAR_ORCHESTRATION_CANCEL_ENABLED: false, WORKER_MAX_CONCURRENT_ACTIVITIES: 50 } } },
      temporal: {
        address: 'temporal.example.com:7233',
        namespace: 'prod',
        taskQueue: 'runs',
        uiUrl: 'https://temporal.example.com',
        apiKey: { secretName: 'temporal-api', key: 'token' },
        tls: { enabled: true, secretName: 'temporal-mtls', serverName: 'frontend.temporal', serverCaCertKey: '' },
      },
    });
    const bridge = container(manifests, 'bridge');
    const worker = container(manifests, 'worker');
    // The Secret's files as the Pod would have them, where the mount would be.
    const mount = mkdtempSync(join(tmpdir(), 'temporal-tls-'));
    writeFileSync(join(mount, 'tls.crt'), 'client certificate');
    writeFileSync(join(mount, 'tls.key'), 'client key');
    const mounted = (c: Container) => Object.fromEntries(Object.entries(envOf(c, 'ops')).map(([k, v]) => [k, v.replace('/etc/temporal/tls', mount)]));
    const bridgeConfig = loadBridgeConfig(mounted(bridge));
    expect(bridgeConfig).toMatchObject({ enabled: false, namespaces: ['team-a'], taskQueue: 'runs', uiBaseUrl: 'https://temporal.example.com', cancelTimeoutMs: 86_400_000, cancelEnabled: false });
    expect(bridgeConfig.temporal).toMatchObject({ namespace: 'prod', connectionOptions: { address: 'temporal.example.com:7233', tls: { serverNameOverride: 'frontend.temporal' } } });
    const tls = bridgeConfig.temporal.connectionOptions.tls as { clientCertPair: { crt: Uint8Array; key: Uint8Array } };
    expect([tls.clientCertPair.crt, tls.clientCertPair.key].map((b) => Buffer.from(b).toString())).toEqual(['client certificate', 'client key']);
    const workerConfig = loadWorkerConfig(mounted(worker));
    expect(workerConfig).toMatchObject({ jobTtlSeconds: 86400, taskQueue: 'runs', namespace: 'prod', maxConcurrentActivities: 50 });
    expect(workerConfig.httpFence).toMatchObject({ unlisted: 'deny', temporalUiUrl: 'https://temporal.example.com' });
    expect([workerConfig.httpFence.allowed, workerConfig.httpFence.denied].map((rules) => rules.map((r) => r.text))).toEqual([['*.ci.svc.cluster.local', '10.0.0.0/8'], ['hooks.example.com:443']]);
    for (const c of [bridge, worker]) {
      const env = Object.fromEntries(c.env.map((e) => [e.name, e]));
      // From a Secret: the key never appears in the manifest.
      expect(env.TEMPORAL_API_KEY).toEqual({ name: 'TEMPORAL_API_KEY', valueFrom: { secretKeyRef: { name: 'temporal-api', key: 'token' } } });
      expect(envOf(c, 'ops')).toMatchObject({
        TEMPORAL_TLS: 'true',
        TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/temporal/tls/tls.crt',
        TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/temporal/tls/tls.key',
        TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal',
      });
      expect(Object.keys(env)).not.toContain('TEMPORAL_TLS_SERVER_CA_CERT_PATH');
      expect((c as unknown as { volumeMounts: unknown[] }).volumeMounts).toContainEqual({ name: 'temporal-tls', mountPath: '/etc/temporal/tls', readOnly: true });
    }
    expect((podSpec(manifests, 'worker').template.spec as unknown as { volumes: unknown[] }).volumes).toContainEqual({
      name: 'temporal-tls',
      secret: { secretName: 'temporal-mtls', defaultMode: 0o444, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] },
    });
  });

  it('sets only variables the programs read', async () => {
    const manifests = await renderChart({ controllers: { env: { vars: { BRIDGE_WORKERS: 8 } } }, temporal: { apiKey: { secretName: 's' }, tls: { enabled: true, secretName: 't', serverName: 'x' } } });
    const temporal = /^TEMPORAL_(ADDRESS|NAMESPACE|API_KEY|TLS|TLS_CLIENT_CERT_PATH|TLS_CLIENT_KEY_PATH|TLS_SERVER_CA_CERT_PATH|TLS_SERVER_NAME)$/;
    const known = new Set([...BRIDGE_ENV_VARIABLES, ...WORKER_ENV_VARIABLES]);
    for (const component of ['bridge', 'worker'] as const) {
      const unknown = container(manifests, component).env.map((e) => e.name).filter((name) => !known.has(name) && !temporal.test(name));
      expect(unknown, component).toEqual([]);
    }
  });
});

describe('deploy/install.yaml', () => {
  it('is the chart rendered with its defaults: run npm run crds when it is stale', async () => {
    expect(readFileSync(INSTALL_YAML, 'utf8'), 'deploy/install.yaml is stale: run npm run crds').toBe(await renderInstallYaml(await helmBinary()));
  });
});
