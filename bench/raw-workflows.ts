// The raw side of bench/bench.ts: the same activities as a run's steps, sequential or parallel, in a plain
// Temporal workflow with no DAG, status or details. Ratios against it show our overhead.
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';

const { sleep } = proxyActivities<{ sleep: (input: unknown) => Promise<unknown> }>({ startToCloseTimeout: '1 minute', heartbeatTimeout: 2000 });

export async function rawChain(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await sleep({ seconds: 0 });
}

export async function rawFanOut(n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => sleep({ seconds: 0 })));
}

const { waitForCancel } = proxyActivities<{ waitForCancel: () => Promise<void> }>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: 2000,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** The raw side of the cancel row: one activity that runs until the workflow is cancelled. */
export async function rawCancellable(): Promise<void> {
  await waitForCancel();
}
