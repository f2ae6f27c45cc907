/**
 * Measures the bridge's work queue from outside: how long a key waits from being added to a worker picking
 * it up, and how long its reconcile takes. Wraps the queue's own add() and run(); the bridge is unchanged.
 */
import type { WorkQueue } from '../bridge/work-queue.js';

export function probeQueue(queue: WorkQueue) {
  const addedAt = new Map<string, number>();
  let waits: number[] = [];
  let handles: number[] = [];
  let maxLength = 0;
  const add = queue.add.bind(queue);
  queue.add = (key: string) => {
    if (!addedAt.has(key)) addedAt.set(key, performance.now());
    add(key);
    maxLength = Math.max(maxLength, queue.length);
  };
  const run = queue.run.bind(queue);
  queue.run = (workers, handle) =>
    run(workers, async (key) => {
      const start = performance.now();
      const added = addedAt.get(key);
      addedAt.delete(key);
      if (added !== undefined) waits.push(start - added);
      try {
        await handle(key);
      } finally {
        handles.push(performance.now() - start);
      }
    });
  return {
    /** Waits and reconcile times (ms) since the last take(), and the longest the queue grew. */
    take() {
      const got = { waits, handles, maxLength };
      waits = [];
      handles = [];
      maxLength = 0;
      return got;
    },
  };
}
