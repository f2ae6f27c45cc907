// The Temporal UI as a user opens it from a run: kubectl creates the run, the bridge and the worker (processes
// of their own, as operators run them) take it, and status.temporal.uiUrl opened in headless Chromium shows
// the workflow Running, its steps' summaries in the timeline and the run's current details. Screenshots are
// kept in test-results/temporal-ui/ (gitignored) for a person to look at.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrchestrationRunStatus } from '../../core/index.js';
import { installCrds } from '../../sandbox/kubernetes/apply.js';
import type { ManagedProcess } from '../../sandbox/process.js';
import { CHROMIUM_INSTALL, CHROMIUM_PATH } from '../../sandbox/tools/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { createNamespace } from '../support/bridge-harness.js';
import { startBridgeProcess, startWorkerProcess } from '../support/processes.js';
import { kubectl, sandboxEnv, uniqueName } from '../support/sandbox.js';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-results', 'temporal-ui');
/** What this machine's closed network needs: no sandbox (root), no GPU, and no background connections it would refuse. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The SPA loads, queries the server and re-renders: each check waits for what a user would see, up to this. */
const UI_TIMEOUT_MS = 30_000;

let ns: string;
let worker: ManagedProcess | undefined;
let bridge: ManagedProcess | undefined;
let browser: BrowserContext | undefined;
let userDataDir: string | undefined;
const run = uniqueName('ui-run');

const manifest = (namespace: string) => `apiVersion: orchestration.proompteng.ai/v1alpha1
kind: OrchestrationRun
metadata:
  name: ${run}
  namespace: ${namespace}
spec:
  steps:
    - name: fetch
      activity: { name: sleep, input: { seconds: 0 } }
    - name: build
      dependsOn: [fetch]
      activity: { name: sleep, input: { seconds: 600 } }
    - name: publish
      dependsOn: [build]
      activity: { name: sleep, input: { seconds: 0 } }
`;

async function runStatus(): Promise<OrchestrationRunStatus> {
  const got = await kubectl(['get', 'orchrun', run, '-n', ns, '-o', 'json']);
  if (got.code !== 0) throw new Error(`kubectl get orchrun ${run}: ${got.stderr}`);
  return (JSON.parse(got.stdout) as { status?: OrchestrationRunStatus }).status ?? {};
}

/** Saves what the page shows and prints where, so a person can look at it. */
async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`[temporal-ui] screenshot: ${path}`);
  return path;
}

beforeAll(async () => {
  await installCrds(sandboxEnv().KUBECONFIG);
  ns = await createNamespace('uibrowser');
  const taskQueue = uniqueName('tq-ui');
  worker = await startWorkerProcess({ taskQueue });
  bridge = await startBridgeProcess({ taskQueue, namespace: ns, leaseName: uniqueName('ui-lease') });
});

afterAll(async () => {
  await browser?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  // Deleted while the bridge still runs: it cancels the workflow and removes its finalizer.
  if (ns) await kubectl(['delete', 'orchrun', run, '-n', ns, '--ignore-not-found', '--timeout=60s']);
  await bridge?.stop(5000);
  await worker?.stop(5000);
});

describe('the Temporal UI in a browser', () => {
  it('shows a kubectl-created run: the workflow Running, its steps in the timeline, its current details', { timeout: 180_000 }, async () => {
    const applied = await kubectl(['apply', '-f', '-'], manifest(ns));
    expect(applied.code, applied.stderr).toBe(0);
    // The link a user follows, once the run's first step is done and the second one runs.
    const status = await waitFor(
      async () => {
        const s = await runStatus();
        const build = s.steps?.find((step) => step.name === 'build');
        return s.temporal?.uiUrl && build?.phase === 'Running' ? s : undefined;
      },
      { what: `run ${ns}/${run} with status.temporal.uiUrl and step build Running`, timeoutMs: 60_000 },
    );
    const { uiUrl, workflowId } = status.temporal!;
    expect(uiUrl).toContain(sandboxEnv().TEMPORAL_UI_URL);

    // Debian's chromium, which `npm test` provisions (sandbox/provision-cli.ts) before any test runs.
    userDataDir = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    browser = await chromium
      .launchPersistentContext(userDataDir, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, viewport: { width: 1600, height: 1200 } })
      .catch((err: unknown) => {
        throw new Error(`could not start ${CHROMIUM_PATH} (npm test installs it with \`${CHROMIUM_INSTALL}\`): ${String(err)}`);
      });
    const page = await browser.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    let shown = 'before-load';
    try {
      await page.goto(uiUrl!);
      // The workflow: its id as the heading, its status.
      shown = 'workflow';
      await expect.poll(() => page.getByTestId('workflow-id-heading').innerText(), { timeout: UI_TIMEOUT_MS }).toContain(workflowId);
      await expect.poll(() => page.getByTestId('execution-status').innerText(), { timeout: UI_TIMEOUT_MS }).toMatch(/^running$/i);
      // The steps' summaries, as the timeline labels each activity: "<activity type> • <step>".
      shown = 'timeline';
      await page.getByText('sleep • fetch', { exact: true }).waitFor();
      await page.getByText(/sleep • build$/).waitFor();
      await screenshot(page, 'workflow-timeline');

      // The run's own details: the bridge's summary and the workflow's current details (User Metadata tab).
      shown = 'user-metadata';
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      await page.frameLocator('#user-metadata-summary').getByText(`OrchestrationRun ${ns}/${run}`).waitFor();
      const details = page.frameLocator('#user-metadata-current-details');
      await details.getByText('Running · 3 steps: 1 succeeded, 1 running, 1 pending').waitFor();
      await details.getByRole('listitem').filter({ hasText: 'build Running, attempt 1' }).waitFor();
      await screenshot(page, 'workflow-current-details');
    } catch (err) {
      // What the page showed when the check failed, beside the error.
      const path = await screenshot(page, `failed-at-${shown}`).catch(() => 'no screenshot');
      throw new Error(`the Temporal UI at ${uiUrl} did not show the ${shown} as expected (screenshot ${path}): ${String(err)}`, { cause: err });
    }
  });
});
