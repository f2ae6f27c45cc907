// The bridge's keyed work queue: the earliest requeue of a key wins, and no delay overflows a timer.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
