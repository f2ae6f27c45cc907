// Issue 10 chaos: the Temporal server stopped while runs are in flight, then started again on the same data
// and address. The worker and the bridge ride it out; no step's attempts are spent; every run ends as it
// would have. A Temporal server of its own: stopping the shared one would break every other test.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../sandbox/process.js';
import { startTemporalServer, type TemporalServer } from '../../sandbox/temporal-server.js';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { createMixedRuns, FULL } from '../support/chaos.js';
import { expectInvariants, listRuns } from '../support/invariants.js';
import { sandboxEnv } from '../support/sandbox.js';

// The outage is what the test is about: its length is the fault, not a synchronisation.
const OUTAGES_S = FULL ? [30, 120] : [10];
let dir: string;
let temporal: TemporalServer;
let h: BridgeHarness;
const processes: ManagedProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'temporal-outage-'));
  mkdirSync(join(dir, 'logs'));
  temporal = await startTemporalServer(sandboxEnv().TEMPORAL_CLI, dir, processes);
  h = await startBridgeHarness('chaostemporal', { worker: { temporalAddress: temporal.address } });
});
afterAll(async () => {
  await h?.stop();
  await temporal?.process.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function allRunning(names: string[]): Promise<void> {
  await waitFor(
    async () => {
      const running = (await listRuns(h.ns)).filter((r) => names.includes(r.name) && r.stepPhases.includes('Running'));
      return running.length === names.length ? true : undefined;
    },
    { what: 'every run has a step Running', timeoutMs: 120_000 },
  );
}

describe('Temporal server outage', () => {
  for (const seconds of OUTAGES_S) {
    it(`stopped for ${seconds} s mid-run: every run ends as without the outage`, { timeout: 600_000 }, async () => {
      const expected = await createMixedRuns(h.ns, `out${seconds}`, FULL ? 5 : 2, ['ok', 'fail', 'job'], 20);
      // Steps long enough to be running when the server goes away.
      await allRunning([...expected.keys()].filter((n) => !n.includes('-fail-')));
      await temporal.process.stop();
      await delay(seconds * 1000);
      temporal = await startTemporalServer(sandboxEnv().TEMPORAL_CLI, dir, processes, temporal.ports);
      await expectInvariants(h.tw.client, h.ns, expected, 300_000);
      for (const name of expected.keys()) {
        const status = await h.status(name);
        // The outage spent no step's attempts.
        for (const step of status.steps ?? []) expect(step.attempts ?? 1, `${name}/${step.name}`).toBe(1);
      }
    });
  }
});
