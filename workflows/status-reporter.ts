/**
 * Coalesced status writes: at most one write in flight, the latest state wins, and writes are at least
 * `intervalMs` apart, so writes grow with run time, not with step transitions. `flush()` writes the
 * final state at once, even after the run was cancelled. The first write goes out at once: phase is the
 * workflow's (the bridge writes only the workflow reference beside it), so it shows the run Running.
 */
import { ActivityFailure, ApplicationFailure, type ActivityOptions, CancellationScope, type LocalActivityOptions, condition, log, patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { isTerminalPhase, type RunIdentity, type RunStatusUpdate } from '../core/workflow-safe.js';
import type { StatusActivities } from '../activities/index.js';
import { FINAL_STATUS_UNTIL_WRITTEN, STATUS_WRITES_LOCAL } from './patches.js';

type WriteRunStatusInput = Parameters<StatusActivities['writeRunStatus']>[0];

/** Refusals no retry or fallback can change (the activity throws them non-retryable). */
const FINAL_REFUSALS = ['RunNotFound', 'StatusRejected'];

const PROGRESS_WRITE: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10, initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
  summary: 'status → CR',
};
/** The last write of a run: what users read once it ended, so it outlasts an apiserver outage. */
const FINAL_WRITE: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  // No maximumAttempts: unlimited within the day.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: FINAL_REFUSALS },
  summary: 'final status → CR',
};
const { writeRunStatus } = proxyActivities<StatusActivities>(PROGRESS_WRITE);
const { writeRunStatus: writeFinalRunStatus } = proxyActivities<StatusActivities>(FINAL_WRITE);
/**
 * The final write as a local activity (STATUS_WRITES_LOCAL): run by the worker holding the workflow task,
 * with no activity task to schedule, dispatch and complete through the server, and only a marker in the
 * history (not the whole status as input). It retries for a few seconds only, as a local activity holds its
 * workflow task open (heartbeating it, three events each time) while it retries; one that still fails (an
 * apiserver outage) falls back to the regular final write, which retries for a day, adding no events.
 */
const LOCAL_WRITE: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 4, initialInterval: '500 milliseconds', maximumInterval: '2 seconds' },
  summary: 'status → CR',
};
const { writeRunStatus: writeRunStatusLocal } = proxyLocalActivities<StatusActivities>(LOCAL_WRITE);

export class StatusReporter {
  writes: number;
  private dirty = false;
  private urgent = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly run: RunIdentity,
    private readonly build: () => RunStatusUpdate,
    private readonly intervalMs: number,
    private readonly enabled: boolean,
    writesSoFar: number,
  ) {
    this.writes = writesSoFar;
  }

  /** A local write; one that still fails after its few retries (not a refusal) goes through `fallback`. */
  private async writeLocally(input: WriteRunStatusInput, fallback: (input: WriteRunStatusInput) => Promise<void>): Promise<void> {
    try {
      await writeRunStatusLocal(input);
    } catch (err) {
      if (!(err instanceof ActivityFailure) || (err.cause instanceof ApplicationFailure && FINAL_REFUSALS.includes(err.cause.type ?? ''))) throw err;
      log.warn('local status write failed; writing through a regular activity', { run: `${this.run.namespace}/${this.run.name}`, error: String(err.cause ?? err) });
      await fallback(input);
    }
  }

  /** Marks the status stale; it is written when the previous write and the interval have passed. */
  request(): void {
    if (!this.enabled) return;
    this.dirty = true;
    this.loop ??= this.drain();
  }

  /** Writes the current state now and resolves once it is on the CR. */
  async flush(): Promise<void> {
    if (!this.enabled) return;
    this.urgent = true;
    this.request();
    while (this.loop) await this.loop;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        const update = this.build();
        try {
          const final = isTerminalPhase(update.phase) && patched(FINAL_STATUS_UNTIL_WRITTEN);
          // Only the final write is local: a local activity holds its workflow task open, so a progress write
          // would hold back the steps the same task starts (a 100-step chain's overhead per step went from
          // 1.2 to 1.8 × raw with every write local), and the steps of a wide run ending meanwhile pass the
          // 100 events the server buffers, which fails the task. Once the run has ended, nothing waits on it.
          const local = final && patched(STATUS_WRITES_LOCAL);
          const write = final ? writeFinalRunStatus : writeRunStatus;
          const input = { run: this.run, status: update, runId: workflowInfo().runId };
          // Non-cancellable: the final status of a cancelled run must still reach the CR. The regular path
          // keeps its exact shape (no extra promise around it): the order of commands within an activation
          // depends on it, and histories recorded before STATUS_WRITES_LOCAL replay through it.
          if (!local) await CancellationScope.nonCancellable(() => write(input));
          else await CancellationScope.nonCancellable(() => this.writeLocally(input, write));
          this.writes += 1;
        } catch (err) {
          log.warn('could not write run status', { run: `${this.run.namespace}/${this.run.name}`, error: String(err) });
        }
        // Wait out the interval even when nothing is pending yet: changes in it join the next write.
        if (!this.urgent) await CancellationScope.nonCancellable(() => condition(() => this.urgent, this.intervalMs));
      }
    } finally {
      this.loop = undefined;
    }
  }
}
