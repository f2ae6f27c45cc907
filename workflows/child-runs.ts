/**
 * The child runs an orchestration step has started and that still run: the parent's suspend and resume
 * reach them as the signal the bridge sends for spec.suspend, recorded as suspended by `parent:<name>`.
 */
import type { ChildWorkflowHandle } from '@temporalio/workflow';
import { specControlsSignal } from './definitions.js';

export class ChildRuns {
  private readonly running = new Map<string, ChildWorkflowHandle<() => Promise<unknown>>>();
  /** The suspension last sent to the children; a child started later gets it at once. */
  private suspended = false;
  private generation = 0;

  constructor(private readonly parentName: string) {}

  /** A child workflow started: it takes the parent's suspension as it is now. */
  add(handle: ChildWorkflowHandle<() => Promise<unknown>>): void {
    this.running.set(handle.workflowId, handle);
    if (this.suspended) this.send(handle, true);
  }

  remove(workflowId: string): void {
    this.running.delete(workflowId);
  }

  /** The parent was suspended or resumed: its running children follow. */
  follow(suspended: boolean): void {
    if (suspended === this.suspended) return;
    this.suspended = suspended;
    this.generation += 1;
    for (const handle of this.running.values()) this.send(handle, suspended);
  }

  private send(handle: ChildWorkflowHandle<() => Promise<unknown>>, value: boolean): void {
    // A child that ended meanwhile has no use for it; the parent goes on either way.
    void handle.signal(specControlsSignal, { generation: this.generation, suspend: { value, by: `parent:${this.parentName}` } }).catch(() => undefined);
  }
}
