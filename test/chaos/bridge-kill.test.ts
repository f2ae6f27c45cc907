// Issue 10 chaos: the bridge SIGKILLed again and again, at random moments, while mixed runs are in flight
// (success, failure, cancel, delete, Job steps). Each restart waits for the dead leader's Lease to run out,
// then resumes from the runs themselves. Bounded here; `npm run test:chaos` runs 200 runs and 10 kills.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ManagedProcess } from '../../sandbox/process.js';
import { installCrds } from '../../sandbox/kubernetes/apply.js';
import { createNamespace } from '../support/bridge-harness.js';
import { actOnRuns, createMixedRuns, FULL, randomPause } from '../support/chaos.js';
import { expectInvariants } from '../support/invariants.js';
import { startBridgeProcess } from '../support/processes.js';
import { sandboxEnv, uniqueName } from '../support/sandbox.js';
import { startTestWorker, type TestWorker } from '../support/temporal.js';

const PER_KIND = FULL ? 40 : 3;
const KILLS = FULL ? 10 : 3;

let tw: TestWorker;
let ns: string;
let bridge: ManagedProcess | undefined;
const leaseName = uniqueName('chaos-lease');

beforeAll(async () => {
  await installCrds(sandboxEnv().KUBECONFIG);
  ns = await createNamespace('chaosbridge');
  tw = await startTestWorker();
});
afterAll(async () => {
  await bridge?.stop(5000);
  await tw?.stop();
});

describe('bridge SIGKILLed repeatedly', () => {
  it(`${PER_KIND * 5} mixed runs, ${KILLS} kills: every run ends as without the faults`, { timeout: FULL ? 1_800_000 : 400_000 }, async () => {
    const start = () => startBridgeProcess({ taskQueue: tw.taskQueue, namespace: ns, leaseName });
    bridge = await start();
    const expected = await createMixedRuns(ns, 'r', PER_KIND);
    // Acts beside the kills; its failure is reported once they are done.
    const user = actOnRuns(ns, expected, FULL ? 900_000 : 300_000).then(() => undefined, (err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    for (let kill = 0; kill < KILLS; kill++) {
      await randomPause(2000, 8000);
      process.kill(bridge.pid!, 'SIGKILL');
      bridge = await start();
    }
    const userError = await user;
    if (userError) throw userError;
    await expectInvariants(tw.client, ns, expected, FULL ? 900_000 : 300_000);
  });
});
