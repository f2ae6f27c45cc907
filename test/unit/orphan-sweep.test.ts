// The orphan sweep's bounds: pages per tick, cancels per tick, resuming from the page token, starting over
// after a full pass, and keeping the token when a page cannot be read. The pages here are plain data: the
// Temporal side (runningWorkflowPages) is exercised against the real server in
// test/integration/deletion-temporal-down.test.ts.
import { describe, expect, it } from 'vitest';
import { sweepOnce, type RunningPage, type RunningWorkflow, type SweepDeps, type SweepState } from '../../bridge/orphan-sweep.js';

const wf = (name: string): RunningWorkflow => ({ workflowId: `orchestrationrun/ns/${name}/uid-${name}`, namespace: 'ns', name, uid: `uid-${name}` });
const token = (page: number) => new Uint8Array([page]);

/** Pages of running workflows; `gone` names the runs that no longer exist, `finished` those that ended. */
function world(pages: string[][], runs: { gone?: string[]; finished?: string[] } = {}, failAt?: number) {
  const cancelled: string[] = [];
  const reread: string[] = [];
  const reads: number[] = [];
  const deps: SweepDeps = {
    listPage: (t) => {
      const at = t ? t[0]! : 0;
      reads.push(at);
      if (at === failAt) return Promise.reject(new Error('Temporal unavailable'));
      const page: RunningPage = { workflows: pages[at]!.map(wf), ...(at + 1 < pages.length ? { nextPageToken: token(at + 1) } : {}) };
      return Promise.resolve(page);
    },
    classify: (w) => Promise.resolve(runs.gone?.includes(w.name) ? 'gone' : runs.finished?.includes(w.name) ? 'finished' : 'active'),
    cancel: (w) => {
      cancelled.push(w.name);
      return Promise.resolve();
    },
    onFinishedRunStillRunning: (key) => void reread.push(key),
    logger: { info: () => undefined, warn: () => undefined },
  };
  return { deps, cancelled, reread, reads };
}

describe('sweepOnce', () => {
  it.each([
    ['cancels the orphans, leaves the others', [['a', 'b', 'c']], { gone: ['b'] }, { pagesPerTick: 5, cancelsPerTick: 20 }, { cancelled: ['b'], reads: [0], tokenAfter: undefined }],
    ['reads at most pagesPerTick pages, and resumes there next tick', [['a'], ['b'], ['c'], ['d']], { gone: ['a', 'd'] }, { pagesPerTick: 2, cancelsPerTick: 20 }, { cancelled: ['a'], reads: [0, 1], tokenAfter: 2 }],
    ['sends at most cancelsPerTick cancels, and reads that page again next tick', [['a', 'b', 'c'], ['d']], { gone: ['a', 'b', 'c', 'd'] }, { pagesPerTick: 5, cancelsPerTick: 2 }, { cancelled: ['a', 'b'], reads: [0], tokenAfter: undefined }],
  ] as const)('%s', async (_case, pages, runs, bounds, expected) => {
    const w = world(pages.map((p) => [...p]), { gone: [...runs.gone] });
    const state: { token?: Uint8Array } = {};
    await sweepOnce(state, w.deps, bounds);
    expect({ cancelled: w.cancelled, reads: w.reads, tokenAfter: state.token?.[0] }).toEqual(expected);
  });

  it('goes through every page over ticks, then starts from the top', async () => {
    const w = world([['a'], ['b'], ['c']], { gone: ['a', 'b', 'c'] });
    const state: { token?: Uint8Array } = {};
    for (let tick = 0; tick < 4; tick++) await sweepOnce(state, w.deps, { pagesPerTick: 1, cancelsPerTick: 20 });
    expect(w.reads).toEqual([0, 1, 2, 0]);
    // An orphan asked once is not asked again while its cancel takes effect.
    expect(w.cancelled).toEqual(['a', 'b', 'c']);
  });

  it('orphans already asked to cancel (still running) do not use up the bound: later orphans are reached', async () => {
    const w = world([['a', 'b', 'c']], { gone: ['a', 'b', 'c'] });
    const state: SweepState = {};
    for (let tick = 0; tick < 2; tick++) await sweepOnce(state, w.deps, { pagesPerTick: 1, cancelsPerTick: 2 });
    expect(w.cancelled).toEqual(['a', 'b', 'c']);
  });

  it('keeps its place when a page cannot be read (Temporal down), and reads it again next tick', async () => {
    const w = world([['a'], ['b']], { gone: ['b'] }, 1);
    const state: { token?: Uint8Array } = {};
    await expect(sweepOnce(state, w.deps, { pagesPerTick: 5, cancelsPerTick: 20 })).rejects.toThrow('Temporal unavailable');
    expect(state.token?.[0]).toBe(1);
    expect(w.cancelled).toEqual([]);
  });

  it('sends a finished run whose workflow still runs back to its reconcile, and cancels nothing for it', async () => {
    const w = world([['done', 'busy']], { finished: ['done'] });
    await sweepOnce({}, w.deps, { pagesPerTick: 5, cancelsPerTick: 20 });
    expect(w.reread).toEqual(['ns/done']);
    expect(w.cancelled).toEqual([]);
  });
});
