/** The chaos suite's knobs: a bounded mode in `npm test`, the full one in `npm run test:chaos` (CHAOS=full). */
import { setTimeout as delay } from 'node:timers/promises';
import { stringify } from 'yaml';
import { listRuns, type Expected, type Kubectl } from './invariants.js';
import { kubectl as sandboxKubectl } from './sandbox.js';

export const FULL = process.env.CHAOS === 'full';

/** A pause of a random length: faults land at random moments, not at the same point of every run. */
export function randomPause(minMs: number, maxMs: number): Promise<void> {
  return delay(minMs + Math.random() * (maxMs - minMs));
}

/** The kinds of run a chaos test mixes, with the end each would reach without any fault. */
export const RUN_KINDS = {
  ok: { expected: 'Succeeded', spec: (i: number, seconds = 1 + (i % 4)) => ({ steps: [{ name: 'work', activity: { name: 'sleep', input: { seconds } } }] }) },
  fail: {
    expected: 'Failed',
    spec: () => ({ steps: [{ name: 'first', activity: { name: 'sleep', input: { seconds: 1 } } }, { name: 'boom', activity: { name: 'fail', input: { message: 'failed on purpose' } } }] }),
  },
  cancel: { expected: 'Cancelled', spec: () => ({ steps: [{ name: 'long', activity: { name: 'sleep', input: { seconds: 600 } } }] }) },
  delete: { expected: 'deleted', spec: () => ({ steps: [{ name: 'long', activity: { name: 'sleep', input: { seconds: 600 } } }] }) },
  job: {
    expected: 'Succeeded',
    spec: (_i: number, seconds = 3) => ({
      steps: [{ name: 'build', job: { image: 'busybox', env: [{ name: 'KWOK_DURATION_MS', value: String(seconds * 1000) }, { name: 'KWOK_TERMINATION_MESSAGE', value: 'built' }] } }],
    }),
  },
} as const satisfies Record<string, { expected: Expected; spec: (i: number, seconds?: number) => unknown }>;

export type RunKind = keyof typeof RUN_KINDS;

/** Creates `perKind` runs of each kind in one kubectl apply; returns name → expected end. */
/** `seconds`: how long the ok and job runs' steps take (default a few seconds). */
export async function createMixedRuns(
  ns: string,
  prefix: string,
  perKind: number,
  kinds: RunKind[] = Object.keys(RUN_KINDS) as RunKind[],
  seconds?: number,
  kubectl: Kubectl = sandboxKubectl,
): Promise<Map<string, Expected>> {
  const expected = new Map<string, Expected>();
  const docs: string[] = [];
  for (const kind of kinds) {
    for (let i = 0; i < perKind; i++) {
      const name = `${prefix}-${kind}-${i}`;
      expected.set(name, RUN_KINDS[kind].expected);
      docs.push(stringify({ apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name }, spec: RUN_KINDS[kind].spec(i, seconds) }));
    }
  }
  const applied = await kubectl(['apply', '-n', ns, '-f', '-'], docs.join('---\n'));
  if (applied.code !== 0) throw new Error(`kubectl apply: ${applied.stderr}`);
  return expected;
}

/**
 * The user's side of the cancel and delete runs: once such a run shows Running, set spec.cancel or delete
 * it. Runs until each has been acted on, or throws at the deadline.
 */
export async function actOnRuns(ns: string, expected: Map<string, Expected>, deadlineMs: number, kubectl: Kubectl = sandboxKubectl): Promise<void> {
  const todo = new Map([...expected].filter(([, want]) => want === 'Cancelled' || want === 'deleted'));
  const deadline = Date.now() + deadlineMs;
  while (todo.size > 0 && Date.now() < deadline) {
    // While the apiserver is down the user's requests fail too: try again until the deadline.
    const runs = await listRuns(ns, kubectl).catch(() => []);
    for (const run of runs) {
      const want = todo.get(run.name);
      if (!want || run.phase !== 'Running') continue;
      const done =
        want === 'Cancelled'
          ? await kubectl(['patch', 'orchrun', run.name, '-n', ns, '--type=merge', '-p', '{"spec":{"cancel":true}}'])
          : await kubectl(['delete', 'orchrun', run.name, '-n', ns, '--wait=false']);
      if (done.code === 0) todo.delete(run.name);
    }
    await delay(500);
  }
  if (todo.size > 0) throw new Error(`never saw Running, so never cancelled or deleted: ${[...todo.keys()].join(', ')}`);
}
