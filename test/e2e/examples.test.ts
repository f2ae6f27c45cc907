// Every file in examples/ is applied as a user would (kubectl apply -f), through a bridge and a worker of this
// project, and each run in it must end as the table says: an example that stops working fails here. The
// README's YAML blocks are checked too: the apiserver admits each one (server dry run).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createNamespace, startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { kubectl } from '../support/sandbox.js';
import { waitFor } from '../../sandbox/wait.js';

/**
 * What each example's runs end as, and what a user does on the way (the README's tour): `cancel` patches
 * spec.cancel once the run is Running; `steps` are step phases to find in the final status. A file missing
 * here (or a run missing in its file) fails the test.
 */
interface Expected {
  phase: 'Succeeded' | 'Failed' | 'Cancelled';
  cancel?: boolean;
  /** Approval steps to approve with kubectl once each waits, as the example's comment says. */
  approve?: string[];
  /** Steps that must show reused: true (resumeFrom). */
  reused?: string[];
  /** The run waited in a concurrency queue first (its Normal Event Queued says so). */
  queued?: boolean;
  steps?: Record<string, string>;
}
const EXPECTED: Record<string, Record<string, Expected>> = {
  'approval.yaml': { 'release-42': { phase: 'Succeeded', approve: ['go-live'], steps: { build: 'Succeeded', 'go-live': 'Succeeded', deploy: 'Succeeded' } } },
  'concurrency.yaml': { 'nightly-1': { phase: 'Succeeded' }, 'nightly-2': { phase: 'Succeeded' }, 'nightly-3': { phase: 'Succeeded', queued: true } },
  'diamond.yaml': { diamond: { phase: 'Succeeded' } },
  'finally-and-deadline.yaml': {
    'deploy-with-deadline': { phase: 'Failed', steps: { build: 'Succeeded', soak: 'Cancelled', promote: 'Skipped', report: 'Succeeded', cleanup: 'Succeeded' } },
  },
  'failure-and-retry.yaml': { 'failure-and-retry': { phase: 'Failed', steps: { build: 'Succeeded', lint: 'Failed', docs: 'Succeeded', publish: 'Skipped' } } },
  'job-with-secret.yaml': { 'job-with-secret': { phase: 'Succeeded' } },
  'long-running.yaml': { 'long-running': { phase: 'Cancelled', cancel: true, steps: { snapshot: 'Cancelled', upload: 'Cancelled' } } },
  // After failure-and-retry.yaml (files run in name order), which it resumes.
  'resume.yaml': { 'failure-and-retry-fixed': { phase: 'Succeeded', steps: { build: 'Succeeded', lint: 'Succeeded', docs: 'Succeeded', publish: 'Succeeded' }, reused: ['build', 'docs'] } },
  'sequential.yaml': { sequential: { phase: 'Succeeded' } },
  'sub-orchestration.yaml': { 'release-7': { phase: 'Succeeded', steps: { prepare: 'Succeeded', package: 'Succeeded', announce: 'Succeeded' } } },
  'schedule.yaml': {},
  'template-and-run.yaml': { 'build-pr-123': { phase: 'Succeeded', steps: { compile: 'Succeeded', notify: 'Failed' } } },
};
/** OrchestrationSchedules of an example: a run it makes must end so (then the schedule is deleted, so it stops firing). */
const SCHEDULES: Record<string, Record<string, 'Succeeded'>> = { 'schedule.yaml': { report: 'Succeeded' } };

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
    for (const [run, expected] of Object.entries(EXPECTED[file] ?? {})) {
      if (expected.cancel) {
        await h.phaseOf(run, 'Running');
        const patched = await kubectl(['patch', 'orchrun', run, '-n', h.ns, '--type=merge', '-p', '{"spec":{"cancel":true}}']);
        expect(patched.code, patched.stderr).toBe(0);
      }
      for (const step of expected.approve ?? []) {
        await waitFor(async () => ((await h.status(run)).steps?.some((s) => s.name === step && s.reason === 'WaitingForApproval') ? true : undefined), {
          what: `${run}: ${step} waiting for approval`,
          timeoutMs: 60_000,
        });
        const approved = await kubectl(['patch', 'orchrun', run, '-n', h.ns, '--type=merge', '-p', JSON.stringify({ spec: { approvals: { [step]: 'Approved' } } })]);
        expect(approved.code, approved.stderr).toBe(0);
      }
      const view = await h.phaseOf(run, ['Succeeded', 'Failed', 'Cancelled'], 150_000);
      expect({ run, phase: view.phase, message: view.message }).toEqual({ run, phase: expected.phase, message: view.message });
      const steps = Object.fromEntries((view.steps ?? []).map((s) => [s.name, s.phase]));
      for (const [step, phase] of Object.entries(expected.steps ?? {})) expect({ run, step, phase: steps[step] }).toEqual({ run, step, phase });
      if (expected.reused) expect((view.steps ?? []).filter((s) => s.reused).map((s) => s.name)).toEqual(expected.reused);
      if (expected.queued) expect((await h.events(run)).map((e) => e.reason)).toContain('Queued');
    }
    for (const [schedule, phase] of Object.entries(SCHEDULES[file] ?? {})) {
      await waitFor(
        async () => {
          const got = await kubectl(['get', 'orchrun', '-n', h.ns, '-l', `orchestration.proompteng.ai/schedule=${schedule}`, '-o', 'jsonpath={.items[*].status.phase}']);
          return got.stdout.split(' ').includes(phase) ? true : undefined;
        },
        { what: `a run of schedule ${schedule} ${phase}`, timeoutMs: 150_000 },
      );
      expect((await kubectl(['delete', 'orchsched', schedule, '-n', h.ns, '--wait=true', '--timeout=60s'])).code).toBe(0);
    }
  });
});

describe('README and reference', () => {
  it.each(['README.md', 'docs/reference.md'])('%s shows only YAML the apiserver admits', async (doc) => {
    const text = readFileSync(doc, 'utf8');
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const resources = blocks.filter((b) => /^kind: (OrchestrationRun|Orchestration|OrchestrationSchedule)$/m.test(b));
    expect(resources.length).toBeGreaterThan(0);
    // A namespace of its own: a block may show a run an example of the files above already created (a dry-run
    // apply would then be an update of it, which immutability refuses).
    const ns = await createNamespace('readme');
    for (const block of resources) {
      const dryRun = await kubectl(['apply', '--dry-run=server', '-n', ns, '-f', '-'], block);
      expect(dryRun.stderr, block).toBe('');
    }
  });

  it('README links only to files that exist', () => {
    const text = readFileSync('README.md', 'utf8');
    const targets = [...text.matchAll(/\]\(((?!https?:|#)[^)#]+)/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(existsSync(target), target).toBe(true);
  });
});
