/**
 * A keyed work queue like client-go's rate-limiting queue: a key is queued at most once, never processed by
 * two workers at a time (a key added while it is processed runs again afterwards), can be re-added after a
 * delay, and owns each key's failure backoff (exponential per key, forgotten on success).
 */
const MAX_DELAY_MS = 3_600_000;

/** Per-key exponential backoff: base × 2^(failures − 1), capped; client-go's ItemExponentialFailureRateLimiter. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 30_000 };

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  private readonly failures = new Map<string, number>();
  private waiting: (() => void)[] = [];
  private closed = false;

  constructor(private readonly backoff: BackoffOptions = DEFAULT_BACKOFF) {}

  add(key: string): void {
    if (this.closed) return;
    if (this.active.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.waiting.shift()?.();
  }

  /**
   * Like add(), but ahead of every queued key (moved there when already queued): for work that must not wait
   * behind a backlog, such as the run a freed concurrency slot admits.
   */
  addFirst(key: string): void {
    if (this.closed) return;
    if (this.active.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.queued.has(key)) this.order.splice(this.order.indexOf(key), 1);
    this.queued.add(key);
    this.order.unshift(key);
    this.waiting.shift()?.();
  }

  /**
   * Adds the key after `ms`: the earliest pending deadline for a key wins. Delays are capped at an hour
   * (setTimeout cannot wait longer than 24.8 days; a level-based reconcile looks again then anyway).
   */
  addAfter(key: string, ms: number): void {
    if (ms <= 0) return this.add(key);
    if (this.closed) return;
    const delay = Math.min(ms, MAX_DELAY_MS);
    const due = Date.now() + delay;
    const pending = this.timers.get(key);
    if (pending && pending.due <= due) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delay);
    this.timers.set(key, { timer, due });
  }

  /** Counts a failure of the key and adds it after its backoff; returns that delay. */
  addRateLimited(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delay = this.delayFor(failures);
    this.addAfter(key, delay);
    return delay;
  }

  /** The backoff after `failures` consecutive failures. */
  delayFor(failures: number): number {
    if (failures <= 0) return 0;
    // 2^n overflows to Infinity for large n; the cap holds either way.
    return Math.min(this.backoff.baseMs * 2 ** (failures - 1), this.backoff.maxMs);
  }

  /** Consecutive failures of the key since it was last forgotten. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The key succeeded (or failed for good): its backoff starts again from the base. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Runs `handle` for keys with `workers` at a time until close(). */
  async run(workers: number, handle: (key: string) => Promise<void>): Promise<void> {
    const worker = async () => {
      while (!this.closed) {
        const key = this.order.shift();
        if (key === undefined) {
          await new Promise<void>((resolve) => this.waiting.push(resolve));
          continue;
        }
        this.queued.delete(key);
        this.active.add(key);
        try {
          await handle(key);
        } finally {
          this.active.delete(key);
          if (this.again.delete(key)) this.add(key);
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
  }

  get length(): number {
    return this.order.length;
  }

  close(): void {
    this.closed = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.waiting) wake();
    this.waiting = [];
  }
}
