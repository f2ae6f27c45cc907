/** The helm binary the tools cache holds (sandbox/tools/go-tools.ts), and the chart rendered by it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { CHART_DIR } from '../../deploy/install-yaml.js';
import { ensureTool } from '../../sandbox/tools/cache.js';
import { helm as helmTool } from '../../sandbox/tools/go-tools.js';
import { runCommand, type CommandResult } from './run.js';

export { CHART_DIR };

let binary: Promise<string> | undefined;

/** The provisioned helm (npm test provisions it before vitest; built here when missing). */
export function helmBinary(): Promise<string> {
  binary ??= ensureTool(helmTool, () => undefined).then((paths) => paths.helm!);
  return binary;
}

/** Runs helm with the given environment (e.g. KUBECONFIG), capturing what it prints. */
export async function helm(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return runCommand(await helmBinary(), args, { env });
}

/** A values file holding `values`, for `-f`. */
export function valuesFile(values: object): string {
  const file = join(mkdtempSync(join(tmpdir(), 'helm-values-')), 'values.yaml');
  writeFileSync(file, stringify(values));
  return file;
}

/** A manifest as the tests read it. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** `helm template` of the chart with `values`; rejects with helm's message when it refuses them. */
export async function renderChart(values: object, options: { release?: string; namespace?: string } = {}): Promise<Manifest[]> {
  const got = await helm(['template', options.release ?? 'test', CHART_DIR, '--namespace', options.namespace ?? 'orchestration-system', '-f', valuesFile(values)]);
  if (got.code !== 0) throw new Error(got.stderr);
  return parseAllDocuments(got.stdout)
    .map((doc) => doc.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}
