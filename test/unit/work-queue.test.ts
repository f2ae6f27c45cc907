// The bridge's keyed work queue: the earliest requeue of a key wins, no delay overflows a timer, and the
// queue owns each key's failure backoff (controller-runtime's contract: error → rate-limited, success → forget).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reconcileHandler, TerminalError, type ReconcileResult } from '../../bridge/reconcile-result.js';
import { WorkQueue } from '../../bridge/work-queue.js';

describe('WorkQueue.addAfter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('lets an earlier deadline replace a later one, never the other way round', () => {
    const queue = new WorkQueue();
    queue.addAfter('ns/a', 15_000);
    queue.addAfter('ns/a', 1_000);
    queue.addAfter('ns/a', 10_000);
    vi.advanceTimersByTime(1_000);
    expect(queue.length).toBe(1);
    queue.close();
  });

  it('caps a delay beyond what setTimeout can hold at an hour, instead of firing at once', () => {
    const queue = new WorkQueue();
    queue.addAfter('ns/a', 30 * 24 * 3_600_000);
    vi.advanceTimersByTime(1_000);
    expect(queue.length).toBe(0);
    vi.advanceTimersByTime(3_600_000);
    expect(queue.length).toBe(1);
    queue.close();
  });
});

describe('WorkQueue.addFirst', () => {
  it('puts a key ahead of the backlog, moving it when it was queued already, never twice', async () => {
    const queue = new WorkQueue();
    for (const key of ['ns/a', 'ns/b', 'ns/c']) queue.add(key);
    queue.addFirst('ns/c');
    queue.addFirst('ns/d');
    expect(queue.length).toBe(4);
    const seen: string[] = [];
    const done = queue.run(1, (key) => {
      seen.push(key);
      if (seen.length === 4) queue.close();
      return Promise.resolve();
    });
    await done;
    expect(seen).toEqual(['ns/d', 'ns/c', 'ns/a', 'ns/b']);
  });
});

describe('WorkQueue backoff', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [5, 16_000],
    [6, 30_000],
    [2000, 30_000], // 2^n overflows to Infinity: still the cap
  ])('after %i failures in a row waits %i ms', (failures, delay) => {
    expect(new WorkQueue().delayFor(failures)).toBe(delay);
  });
});

describe('reconcileHandler: the queue owns retries', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** Runs the handler once for the key and reports what the queue holds afterwards, over time. */
  async function outcome(reconcile: () => Promise<ReconcileResult>, failuresBefore = 0) {
    const queue = new WorkQueue();
    // Earlier failures whose retries already ran: only their count is left.
    for (let i = 0; i < failuresBefore; i++) queue.addRateLimited('ns/a');
    vi.clearAllTimers();
    const terminal: string[] = [];
    const errors: number[] = [];
    const handle = reconcileHandler(queue, reconcile, { onTerminal: (_key, err) => void terminal.push(err.message), onError: (_key, _err, attempt, delay) => void errors.push(attempt, delay) });
    await handle('ns/a');
    const queuedAt = (ms: number) => {
      vi.advanceTimersByTime(ms);
      return queue.length;
    };
    const result = { requeues: queue.numRequeues('ns/a'), now: queue.length, after999: queuedAt(999), after1000: queuedAt(1), terminal, errors };
    queue.close();
    return result;
  }

  it.each([
    ['a result without requeueAfter: forgotten, not queued again', () => Promise.resolve({}), 3, { requeues: 0, now: 0, after999: 0, after1000: 0, terminal: [], errors: [] }],
    ['requeueAfterMs 0: queued at once', () => Promise.resolve({ requeueAfterMs: 0 }), 0, { requeues: 0, now: 1, after999: 1, after1000: 1, terminal: [], errors: [] }],
    ['requeueAfterMs 1000: queued then', () => Promise.resolve({ requeueAfterMs: 1000 }), 0, { requeues: 0, now: 0, after999: 0, after1000: 1, terminal: [], errors: [] }],
    ['an error: rate-limited, first after the base delay', () => Promise.reject(new Error('boom')), 0, { requeues: 1, now: 0, after999: 0, after1000: 1, terminal: [], errors: [1, 1000] }],
    ['a TerminalError: reported, forgotten, never retried', () => Promise.reject(new TerminalError('422 too long')), 2, { requeues: 0, now: 0, after999: 0, after1000: 0, terminal: ['422 too long'], errors: [] }],
  ] as const)('%s', async (_case, reconcile, failuresBefore, expected) => {
    expect(await outcome(reconcile, failuresBefore)).toEqual(expected);
  });

  it('backs off exponentially per key while the errors go on, and forgets on the first success', async () => {
    const queue = new WorkQueue();
    let fail = true;
    const handle = reconcileHandler(queue, () => (fail ? Promise.reject(new Error('Temporal unreachable')) : Promise.resolve({})));
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await handle('ns/a');
      delays.push(queue.delayFor(queue.numRequeues('ns/a')));
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    await handle('ns/b'); // another key has its own count
    expect(queue.numRequeues('ns/b')).toBe(1);
    fail = false;
    await handle('ns/a');
    expect(queue.numRequeues('ns/a')).toBe(0);
    queue.close();
  });
});
