// docker-compose.yml cannot run here (no Docker engine). What can be checked: it parses, every build context,
// Dockerfile, mounted file and depends_on target exists, every image is pinned, our services run commands the
// entry point accepts, and every variable set on them is one the bridge or worker reads.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../bin/commands.js';
import { BRIDGE_ENV_VARIABLES, loadBridgeConfig } from '../../bridge/config.js';
import { SEARCH_ATTRIBUTES } from '../../core/index.js';
import { loadWorkerConfig, WORKER_ENV_VARIABLES } from '../../worker/config.js';

const root = join(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
  user?: string;
}

/** `${NAME:-default}` and `${NAME}` as Compose substitutes them with none of the variables set. */
function interpolate(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, _name: string, fallback: string | undefined) => fallback ?? '');
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
  return value;
}

const compose = interpolate(parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true })) as { services: Record<string, Service> };
const services = Object.entries(compose.services);
/** Ours: the services built from the repository's Dockerfile. */
const ours = services.filter(([, s]) => s.build !== undefined);

/** Whether @temporalio/envconfig reads `name`: setting it alone changes the connection settings it loads. */
function envconfigReads(name: string, value: string): boolean {
  const load = (env: Record<string, string>) => JSON.stringify(loadClientConnectConfig({ overrideEnvVars: env }));
  return load({ [name]: value }) !== load({});
}

const bindSource = (volume: string) => volume.split(':')[0]!;

describe('docker-compose.yml', () => {
  it('runs the worker and the bridge from the Dockerfile, as the image version of package.json', () => {
    expect(ours.map(([name]) => name).sort()).toEqual(['bridge', 'worker']);
    for (const [name, service] of ours) {
      const context = join(root, service.build!.context);
      expect(statSync(context).isDirectory(), `${name}: build context ${context}`).toBe(true);
      expect(existsSync(join(context, service.build!.dockerfile ?? 'Dockerfile')), `${name}: Dockerfile`).toBe(true);
      expect(service.image).toBe(`orchestration-bridge:${version}`);
      expect(parseCommandLine(service.command ?? []), `${name}: command ${JSON.stringify(service.command)}`).toEqual({ ok: true, command: name });
    }
  });

  it('pins every image to a version', () => {
    for (const [name, service] of services) {
      const tag = /^[^@]+:([^/@]+)(@sha256:[0-9a-f]{64})?$/.exec(service.image ?? '')?.[1];
      expect(tag, `${name}: image ${service.image} has no tag`).toBeDefined();
      expect(tag, `${name}: image ${service.image} is not pinned to a version`).toMatch(/^v?\d+\.\d+/);
    }
  });

  it('depends only on services it defines', () => {
    for (const [name, service] of services) {
      const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dep of deps) expect(compose.services, `${name} depends on ${dep}`).toHaveProperty(dep);
    }
    expect(Object.keys(compose.services.bridge!.depends_on ?? {})).toContain('temporal-setup');
  });

  it('mounts files that exist in the repository, and the kubeconfig where KUBECONFIG points', () => {
    for (const [name, service] of services) {
      for (const source of (service.volumes ?? []).map(bindSource).filter((s) => s.startsWith('./'))) {
        expect(existsSync(join(root, source)), `${name}: mounts ${source}, which does not exist`).toBe(true);
      }
    }
    for (const [name, service] of ours) {
      const kubeconfig = (service.volumes ?? []).find((v) => v.split(':')[1] === service.environment?.KUBECONFIG);
      expect(kubeconfig, `${name}: no volume at KUBECONFIG=${service.environment?.KUBECONFIG}`).toBeDefined();
      expect(bindSource(kubeconfig!)).toBe('~/.kube/config'); // the default when ORCHESTRATION_KUBECONFIG is unset
    }
  });

  it('sets on the bridge and the worker only variables they read, with values they accept', () => {
    const read = { bridge: BRIDGE_ENV_VARIABLES, worker: WORKER_ENV_VARIABLES };
    for (const [name, service] of ours) {
      const env = service.environment ?? {};
      for (const [key, value] of Object.entries(env)) {
        const known = key === 'KUBECONFIG' /* @kubernetes/client-node loadFromDefault */ || read[name as keyof typeof read].includes(key) || envconfigReads(key, value);
        expect(known, `${name}: ${key} is read by neither its config schema nor @temporalio/envconfig`).toBe(true);
      }
      const config = name === 'bridge' ? loadBridgeConfig(env) : loadWorkerConfig(env);
      expect(service.ports?.map((p) => Number(p.split(':').at(-1)))).toContain(config.httpPort);
    }
    expect(loadBridgeConfig(compose.services.bridge!.environment).temporal.connectionOptions?.address).toBe('temporal:7233');
  });

  it('registers the search attributes the workflow sets', () => {
    const setup = compose.services['temporal-setup']!;
    const script = (setup.volumes ?? []).map(bindSource).find((s) => s.endsWith('setup-temporal.sh'))!;
    const line = /^SEARCH_ATTRIBUTES="([^"]*)"$/m.exec(readFileSync(join(root, script), 'utf8'))?.[1];
    expect(line?.split(' ')).toEqual(Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => `${name}=${type}`));
  });
});
