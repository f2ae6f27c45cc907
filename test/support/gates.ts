/**
 * Steps a test holds: the `hold` activity runs until the test releases its id, so whatever the test looks at
 * (a suspend, a queue, a cancel) is in place however slow the host. It also records the order held steps
 * started in and the most that ever ran at once: what a concurrency limit promises, measured where work happens.
 */
export function holdActivities() {
  const releases = new Map<string, () => void>();
  const released = new Map<string, Promise<void>>();
  const gate = (id: string) => {
    if (!released.has(id)) released.set(id, new Promise<void>((resolve) => releases.set(id, resolve)));
    return released.get(id)!;
  };
  const seen = { order: [] as string[], running: 0, most: 0 };
  return {
    seen,
    /** Ends the held step `id` (now, or at once when it starts later). */
    release(id: string): void {
      void gate(id);
      releases.get(id)!();
    },
    stepActivities: {
      async hold(input: unknown): Promise<string> {
        const id = (input as { id: string }).id;
        if (!seen.order.includes(id)) seen.order.push(id);
        seen.running++;
        seen.most = Math.max(seen.most, seen.running);
        try {
          await gate(id);
        } finally {
          seen.running--;
        }
        return 'released';
      },
    },
  };
}

/** A step spec of the `hold` activity, released by `id`. */
export const hold = (id: string) => ({ activity: { name: 'hold', input: { id } } });
