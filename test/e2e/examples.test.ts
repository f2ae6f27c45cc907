// Every file in examples/ is applied as a user would (kubectl apply -f), through a bridge and a worker of this
// project, and each run in it must end as the table says: an example that stops working fails here. The
// README's YAML blocks are checked too: the apiserver admits each one (server dry run).
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { kubectl } from '../support/sandbox.js';

/** What each example's runs end as; a file missing here (or a run missing in its file) fails the test. */
const EXPECTED: Record<string, Record<string, string>> = {
  'diamond.yaml': { diamond: 'Succeeded' },
  'job-with-secret.yaml': { 'job-with-secret': 'Succeeded' },
  'sequential.yaml': { sequential: 'Succeeded' },
  'template-and-run.yaml': { 'build-pr-123': 'Succeeded' },
};

interface Manifest {
  kind?: string;
  metadata?: { name?: string };
}

const manifests = (text: string): Manifest[] => parseAllDocuments(text).map((doc) => doc.toJS() as Manifest).filter((m) => m && typeof m === 'object');
const runNames = (file: string) =>
  manifests(readFileSync(`examples/${file}`, 'utf8'))
    .filter((m) => m.kind === 'OrchestrationRun')
    .map((m) => m.metadata?.name ?? '');

const files = readdirSync('examples').filter((f) => f.endsWith('.yaml'));

let h: BridgeHarness;
beforeAll(async () => {
  h = await startBridgeHarness('examples');
});
afterAll(async () => {
  await h?.stop();
});

describe('examples/', () => {
  it('lists every example with the outcome of each of its runs', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const file of files) expect(runNames(file).sort(), file).toEqual(Object.keys(EXPECTED[file]!).sort());
  });

  it.each(files)('%s: applied with kubectl, each run ends as expected', { timeout: 180_000 }, async (file) => {
    const applied = await kubectl(['apply', '-n', h.ns, '-f', `examples/${file}`]);
    expect(applied.code, applied.stderr).toBe(0);
    for (const [run, phase] of Object.entries(EXPECTED[file] ?? {})) {
      const view = await h.phaseOf(run, ['Succeeded', 'Failed', 'Cancelled'], 150_000);
      expect({ run, phase: view.phase, message: view.message }).toEqual({ run, phase, message: view.message });
    }
  });
});

describe('README', () => {
  it('shows only YAML the apiserver admits', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const resources = blocks.filter((b) => /^kind: (OrchestrationRun|Orchestration)$/m.test(b));
    expect(resources.length).toBeGreaterThan(0);
    for (const block of resources) {
      const dryRun = await kubectl(['apply', '--dry-run=server', '-n', h.ns, '-f', '-'], block);
      expect(dryRun.stderr, block).toBe('');
    }
  });
});
