/** How big each row of the bench is: the sizes, and a smoke mode (`--quick`) small enough for `npm test`. */
export interface Sizes {
  /** Throughput: runs per block, rounds of raw and bridge blocks (ABBA), runs in flight. */
  throughputRuns: number;
  rounds: number;
  inFlight: number;
  /** One run at a time, alternating raw and bridge. */
  idleRuns: number;
  /** Runs created (started) at once. */
  burstRuns: number;
  /** Per-step overhead: steps of the chain, runs of each side. */
  chainSteps: number;
  chainRuns: number;
  /** Width of the fan-out compared with raw. */
  fanOut: number;
  /** Kubernetes API writes per run: chains of these many steps, with this many runs each. */
  writeSteps: number[];
  writeRuns: number[];
  /** Cancels on each side, one after the other. */
  cancelRuns: number;
  /** Steps of the largest chain and fan-out tried, and how long each may take. */
  largestSteps: number;
  largestTimeoutMs: number;
  /** Given up on once status.progress has not moved for this long (its status writes fail, say). */
  largestStallMs: number;
  /** Finished runs in the cache of a bridge process of its own. */
  cachedRuns: number;
  /** Scale out: runs per block and runs in flight, with one worker and with two (rounds as throughput). */
  scaleRuns: number;
  scaleInFlight: number;
  /** Namespaces the bridge watches in the many-namespaces blocks (the bench's and empty ones). */
  scaleNamespaces: number;
  /** Start latency: runs created one after the other, and at once, per namespace setting and round. */
  scaleStartRuns: number;
  scaleBurstRuns: number;
  /** Concurrency queue: runs created at once, the Orchestration's concurrency.max, the step's seconds. */
  queueRuns: number;
  queueLimit: number;
  queueStepSeconds: number;
  /** A schedule firing every this many seconds, for this many minutes. */
  scheduleIntervalSeconds: number;
  scheduleMinutes: number;
}

export const FULL: Sizes = {
  throughputRuns: 200,
  rounds: 2,
  inFlight: 20,
  idleRuns: 10,
  burstRuns: 300,
  chainSteps: 100,
  chainRuns: 3,
  fanOut: 1000,
  writeSteps: [3, 30, 300],
  writeRuns: [20, 6, 2],
  cancelRuns: 20,
  largestSteps: 5000,
  largestTimeoutMs: 30 * 60_000,
  largestStallMs: 5 * 60_000,
  cachedRuns: 10_000,
  scaleRuns: 200,
  scaleInFlight: 40,
  scaleNamespaces: 50,
  scaleStartRuns: 20,
  scaleBurstRuns: 20,
  queueRuns: 300,
  queueLimit: 10,
  queueStepSeconds: 2,
  scheduleIntervalSeconds: 10,
  scheduleMinutes: 10,
};

// Every row runs, at sizes that only show the harness works: no number of a quick run means anything.
export const QUICK: Sizes = {
  throughputRuns: 6,
  rounds: 1,
  inFlight: 3,
  idleRuns: 1,
  burstRuns: 6,
  chainSteps: 5,
  chainRuns: 1,
  fanOut: 5,
  writeSteps: [3, 10, 30],
  writeRuns: [1, 1, 1],
  cancelRuns: 1,
  largestSteps: 10,
  largestTimeoutMs: 120_000,
  largestStallMs: 60_000,
  cachedRuns: 50,
  scaleRuns: 6,
  scaleInFlight: 3,
  scaleNamespaces: 3,
  scaleStartRuns: 2,
  scaleBurstRuns: 3,
  queueRuns: 6,
  queueLimit: 2,
  queueStepSeconds: 1,
  scheduleIntervalSeconds: 2,
  scheduleMinutes: 0.2,
};
