// Deleting an OrchestrationSchedule never waits on Temporal for longer than the cleanup timeout: with the
// Temporal server stopped, the schedule is released within JANGAR_CONTROLLER_FINALIZER_CLEANUP_TIMEOUT_MS with
// a Warning Event naming its Temporal Schedule; once Temporal is back (same data), the bridge's sweep deletes
// the Temporal Schedule left behind.
// A Temporal server of its own: stopping the shared one would break every other test.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../sandbox/process.js';
import { startTemporalServer, type TemporalServer } from '../../sandbox/temporal-server.js';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { startTestWorker, type TestWorker } from '../support/temporal.js';
import { kubectl, sandboxEnv, uniqueName } from '../support/sandbox.js';

const CLEANUP_TIMEOUT_MS = 4000;
let dir: string;
let temporal: TemporalServer;
let h: BridgeHarness;
let restarted: ManagedProcess | undefined;
let worker: TestWorker | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'temporal-down-sched-'));
  mkdirSync(join(dir, 'logs'));
  temporal = await startTemporalServer(sandboxEnv().TEMPORAL_CLI, dir, [] as ManagedProcess[]);
  h = await startBridgeHarness('scheddown', { worker: { temporalAddress: temporal.address }, settings: { cleanupTimeoutMs: CLEANUP_TIMEOUT_MS }, controller: { scheduleSweepMs: 1000 } });
});
afterAll(async () => {
  await worker?.stop();
  await h?.stop();
  await restarted?.stop();
  await temporal?.process.stop();
  rmSync(dir, { recursive: true, force: true });
});

const exists = async (name: string) => (await kubectl(['get', 'orchsched', name, '-n', h.ns, '-o', 'name'])).code === 0;

describe('schedule deletion while Temporal is unreachable', () => {
  it('releases the schedule within the cleanup timeout, with CleanupFailed naming its Temporal Schedule; deletes that Schedule once Temporal is back', async () => {
    const name = uniqueName('down').slice(0, 40);
    expect((await h.apply('OrchestrationSchedule', name, { schedule: '0 0 1 1 *', orchestrationRef: { name: 'yearly' } })).code).toBe(0);
    const scheduleId = await waitFor(
      async () => {
        const got = await kubectl(['get', 'orchsched', name, '-n', h.ns, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.temporal.scheduleId}']);
        const [ready, id] = got.stdout.split(' ');
        return ready === 'True' && id ? id : undefined;
      },
      { what: `schedule ${name} Ready`, timeoutMs: 60_000 },
    );
    await h.tw.stopWorker();
    await temporal.process.stop();

    const deletedAt = Date.now();
    expect((await kubectl(['delete', 'orchsched', name, '-n', h.ns, '--wait=false'])).code).toBe(0);
    await waitFor(async () => ((await exists(name)) ? undefined : true), { what: `schedule ${name} released`, timeoutMs: CLEANUP_TIMEOUT_MS + 20_000, intervalMs: 50 });
    const releasedAfterMs = Date.now() - deletedAt;
    console.log(`schedule finalizer released ${releasedAfterMs} ms after kubectl delete (cleanup timeout ${CLEANUP_TIMEOUT_MS} ms, Temporal down)`);
    // The deletionTimestamp has whole seconds, so the release may come up to a second before the timeout, never after.
    expect(releasedAfterMs).toBeLessThanOrEqual(CLEANUP_TIMEOUT_MS);
    const warning = (await h.events(name)).find((e) => e.reason === 'CleanupFailed');
    expect(warning?.type).toBe('Warning');
    expect(warning?.message).toContain(`could not delete Temporal Schedule ${scheduleId} within the cleanup timeout`);

    // Temporal comes back on the same data: the Schedule left behind is deleted by the bridge's sweep.
    restarted = (await startTemporalServer(sandboxEnv().TEMPORAL_CLI, dir, [], temporal.ports)).process;
    worker = await startTestWorker({ temporalAddress: temporal.address, taskQueue: h.tw.taskQueue });
    const handle = worker.client.schedule.getHandle(scheduleId);
    await waitFor(
      async () => {
        try {
          await handle.describe();
          return undefined;
        } catch (err) {
          if (err instanceof ScheduleNotFoundError) return true;
          throw err;
        }
      },
      { what: `Temporal Schedule ${scheduleId} deleted by the sweep`, timeoutMs: 60_000 },
    );
  });
});
