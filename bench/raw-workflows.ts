// Baseline for bench/dag-scale.ts: the same number of no-op activities, sequential or parallel, in a
// plain Temporal workflow with no DAG, status or details. Ratios against it show our overhead.
import { proxyActivities } from '@temporalio/workflow';

const { sleep } = proxyActivities<{ sleep: (input: unknown) => Promise<unknown> }>({ startToCloseTimeout: '1 minute', heartbeatTimeout: 2000 });

export async function rawChain(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await sleep({ seconds: 0 });
}

export async function rawFanOut(n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => sleep({ seconds: 0 })));
}
