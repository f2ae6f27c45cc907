// Seed 002: deletion never deadlocks on cleanup. With the Temporal server stopped, a deleted run is still
// released within JANGAR_CONTROLLER_FINALIZER_CLEANUP_TIMEOUT_MS, with a Warning Event naming the error.
// A Temporal server of its own: stopping the shared one would break every other test.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../sandbox/process.js';
import { startTemporalServer, type TemporalServer } from '../../sandbox/temporal-server.js';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { kubectl, sandboxEnv, uniqueName } from '../support/sandbox.js';

const CLEANUP_TIMEOUT_MS = 4000;
let dir: string;
let temporal: TemporalServer;
let h: BridgeHarness;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'temporal-down-'));
  mkdirSync(join(dir, 'logs'));
  temporal = await startTemporalServer(sandboxEnv().TEMPORAL_CLI, dir, [] as ManagedProcess[]);
  h = await startBridgeHarness('deldown', { worker: { temporalAddress: temporal.address }, settings: { cleanupTimeoutMs: CLEANUP_TIMEOUT_MS } });
});
afterAll(async () => {
  await h?.stop();
  await temporal?.process.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('deletion while Temporal is unreachable', () => {
  it('releases the run within the cleanup timeout and says why in a Warning Event', async () => {
    const name = uniqueName('orphan');
    await h.apply('OrchestrationRun', name, { steps: [{ name: 'wait', activity: { name: 'sleep', input: { seconds: 600 } } }] });
    await waitFor(async () => ((await h.status(name)).phase === 'Running' ? true : undefined), { what: `run ${name} Running`, timeoutMs: 60_000 });
    await h.tw.stopWorker();
    await temporal.process.stop();

    expect((await kubectl(['delete', 'orchrun', name, '-n', h.ns, '--wait=false'])).code).toBe(0);
    await waitFor(async () => ((await kubectl(['get', 'orchrun', name, '-n', h.ns])).code !== 0 ? true : undefined), {
      what: `run ${name} released`,
      timeoutMs: CLEANUP_TIMEOUT_MS + 20_000,
    });
    const warning = (await h.events(name)).find((e) => e.reason === 'CleanupFailed');
    expect(warning?.type).toBe('Warning');
    expect(warning?.message).toMatch(/could not reach Temporal within 4000 ms of the deletion \(.+\); released the run anyway/);
  });
});
