/**
 * The execution state of a DAG and the one way it changes: a step event. Deterministic, no I/O, no clock
 * (times come in on the events). Applied in place: a 5,000-step run would otherwise copy its state per event.
 */
import type { RunPhase, StepPhase, StepCounts } from '../api/index.js';
import { Reasons } from '../api/names.js';
import type { Dag } from './graph.js';

export interface StepRecord {
  phase: StepPhase;
  reason?: string;
  message?: string;
  attempts?: number;
  startTime?: string;
  completionTime?: string;
  output?: string;
  jobName?: string;
  /** An orchestration step: the name of its child run. */
  childRun?: string;
  /** An approval step: who approved or rejected it. */
  approvedBy?: string;
  rejectedBy?: string;
  /** Succeeded in the run this one resumes, not run again. */
  reused?: boolean;
  /** Dispatched but not yet confirmed running (a job step before its Job exists): shown Pending, counted as running. */
  launching?: boolean;
}

export interface DagState {
  steps: StepRecord[];
  /** unmet[i]: dependencies of step i that have not yet ended in a way that lets it run. */
  unmet: number[];
  /** Pending steps whose dependencies are all met, ascending: declaration order. */
  ready: number[];
  running: number;
  /** failFast tripped: nothing new starts. */
  halted: boolean;
}

export interface SchedulePolicy {
  /** Max steps running at once; 0 = unlimited. */
  parallelism: number;
  failFast: boolean;
}

export type StepEvent =
  /** The step was dispatched. With `launching` it stays Pending until a `running` event confirms it. */
  | { type: 'started'; step: number; at: string; attempt?: number; launching?: boolean }
  /** A dispatched step is confirmed running, or a running step begins another attempt (a job step's next Job). */
  | { type: 'running'; step: number; at: string; attempt: number; jobName?: string; childRun?: string; message?: string; reason?: string }
  | { type: 'succeeded'; step: number; at: string; attempts?: number; output?: string; approvedBy?: string }
  | { type: 'failed'; step: number; at: string; attempts?: number; reason?: string; message: string; output?: string; rejectedBy?: string }
  | { type: 'cancelled'; step: number; at: string; reason?: string; message?: string }
  /** An unstarted step that will not run (the run's deadline passed). */
  | { type: 'skipped'; step: number; at: string; reason: string; message: string };

export function initialState(dag: Dag): DagState {
  const unmet = dag.deps.map((d) => d.length);
  return {
    steps: dag.names.map(() => ({ phase: 'Pending' })),
    unmet,
    ready: unmet.flatMap((n, i) => (n === 0 ? [i] : [])),
    running: 0,
    halted: false,
  };
}

function insertSorted(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, value);
}

function release(dag: Dag, state: DagState, step: number): void {
  for (const next of dag.dependents[step]!) {
    state.unmet[next]! -= 1;
    if (state.unmet[next] === 0 && state.steps[next]!.phase === 'Pending' && !state.halted) insertSorted(state.ready, next);
  }
}

function skip(state: DagState, step: number, reason: string, message: string, at: string): void {
  const record = state.steps[step]!;
  if (record.phase !== 'Pending' || record.launching) return;
  state.steps[step] = { phase: 'Skipped', reason, message, completionTime: at };
}

function skipDependents(dag: Dag, state: DagState, failed: number, at: string, why = 'failed'): void {
  const stack = [...dag.dependents[failed]!];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    skip(state, next, Reasons.DependencyFailed, `dependency "${dag.names[failed]}" ${why}`, at);
    stack.push(...dag.dependents[next]!);
  }
}

function ensure(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Applies one event to the state (in place). An event that does not fit the step's phase is a bug: it throws. */
export function applyStepEvent(dag: Dag, state: DagState, event: StepEvent, policy: SchedulePolicy): void {
  const i = event.step;
  const record = state.steps[i];
  ensure(record !== undefined, `no step #${i}`);
  const name = dag.names[i]!;
  if (event.type === 'started') {
    ensure(record.phase === 'Pending', `step "${name}" cannot start: it is ${record.phase}`);
    const at = state.ready.indexOf(i);
    ensure(at >= 0, `step "${name}" cannot start: its dependencies have not ended`);
    state.ready.splice(at, 1);
    state.running += 1;
    state.steps[i] = event.launching ? { phase: 'Pending', launching: true } : { phase: 'Running', startTime: event.at, attempts: event.attempt ?? 1 };
    return;
  }
  if (event.type === 'running') {
    ensure(record.phase === 'Running' || record.launching === true, `step "${name}" cannot run: it is ${record.phase}`);
    state.steps[i] = {
      phase: 'Running',
      startTime: record.startTime ?? event.at,
      attempts: event.attempt,
      ...(event.jobName ? { jobName: event.jobName } : {}),
      ...(event.childRun ? { childRun: event.childRun } : {}),
      ...(event.message ? { message: event.message } : {}),
      ...(event.reason ? { reason: event.reason } : {}),
    };
    return;
  }
  if (event.type === 'skipped') {
    ensure(record.phase === 'Pending' && !record.launching, `step "${name}" cannot be skipped: it is ${record.launching ? 'launching' : record.phase}`);
    state.ready = state.ready.filter((r) => r !== i);
    skip(state, i, event.reason, event.message, event.at);
    return;
  }
  const wasRunning = record.phase === 'Running' || record.launching === true;
  ensure(wasRunning || (event.type === 'cancelled' && record.phase === 'Pending'), `step "${name}" cannot end: it is ${record.phase}`);
  if (wasRunning) state.running -= 1;
  else state.ready = state.ready.filter((r) => r !== i);
  const ended: StepRecord = { ...record, completionTime: event.at };
  delete ended.launching;
  // What a running step waited for no longer holds once it ended.
  if (ended.reason === Reasons.WaitingForApproval) delete ended.reason;
  if (event.type === 'succeeded') {
    state.steps[i] = { ...ended, phase: 'Succeeded', attempts: event.attempts ?? record.attempts, ...(event.output !== undefined ? { output: event.output } : {}) };
    if (event.approvedBy) {
      // What the step waited for no longer holds: it says who approved it instead.
      delete state.steps[i].reason;
      state.steps[i] = { ...state.steps[i], approvedBy: event.approvedBy, message: `approved by ${event.approvedBy}` };
    }
    release(dag, state, i);
  } else if (event.type === 'failed') {
    state.steps[i] = {
      ...ended,
      phase: 'Failed',
      attempts: event.attempts ?? record.attempts,
      message: event.message,
      ...(event.reason ? { reason: event.reason } : {}),
      ...(event.output !== undefined ? { output: event.output } : {}),
      ...(event.rejectedBy ? { rejectedBy: event.rejectedBy } : {}),
    };
    if (dag.continueOnFailure[i]) {
      release(dag, state, i);
    } else {
      skipDependents(dag, state, i, event.at);
      if (policy.failFast) {
        state.halted = true;
        state.ready = [];
        state.steps.forEach((_, j) => skip(state, j, Reasons.FailFast, `step "${name}" failed and failFast is set`, event.at));
      }
    }
  } else {
    state.steps[i] = { ...ended, phase: 'Cancelled', ...(event.reason ? { reason: event.reason } : {}), ...(event.message ? { message: event.message } : {}) };
    // Dependents of a cancelled step can never run; left Pending they would strand the run.
    skipDependents(dag, state, i, event.at, 'was cancelled');
  }
}

/** A step of the run this one resumes: how it succeeded there. */
export interface ReusedStep {
  output?: string;
  startTime?: string;
  completionTime?: string;
  attempts?: number;
}

/**
 * Marks the reused steps Succeeded before anything starts, releasing their dependents as a success would.
 * A reused step's dependencies are all reused (the bridge guarantees it), so they are taken in an order where
 * each one's dependencies come first. A reused step that never becomes ready is a bug: it throws.
 */
export function reuseSteps(dag: Dag, state: DagState, reused: Readonly<Record<string, ReusedStep>>): void {
  const wanted = new Set(dag.names.flatMap((name, i) => (Object.hasOwn(reused, name) ? [i] : [])));
  for (let i = state.ready.find((r) => wanted.has(r)); i !== undefined; i = state.ready.find((r) => wanted.has(r))) {
    state.ready.splice(state.ready.indexOf(i), 1);
    state.steps[i] = { phase: 'Succeeded', reused: true, ...reused[dag.names[i]!]! };
    wanted.delete(i);
    // As a success releases its dependents: the reused ones among them are taken next.
    release(dag, state, i);
  }
  ensure(wanted.size === 0, `reused steps whose dependencies are not all reused: ${[...wanted].map((i) => dag.names[i]).join(', ')}`);
}

/** The steps to start now: ready ones in declaration order, within the parallelism cap. */
export function stepsToStart(state: DagState, policy: SchedulePolicy): number[] {
  if (state.halted) return [];
  const room = policy.parallelism > 0 ? Math.max(0, policy.parallelism - state.running) : state.ready.length;
  return state.ready.slice(0, room);
}

export function stepCounts(state: DagState): StepCounts {
  const counts: StepCounts = { total: state.steps.length, pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const { phase } of state.steps) counts[phase.toLowerCase() as Exclude<keyof StepCounts, 'total'>] += 1;
  return counts;
}

export function isFinished(state: DagState): boolean {
  return state.steps.every((s) => s.phase !== 'Pending' && s.phase !== 'Running');
}

/** The run phase the steps add up to. A failure of a continueOnFailure step does not fail the run. */
export function deriveRunPhase(dag: Dag, state: DagState): RunPhase {
  if (!isFinished(state)) return state.steps.some((s) => s.phase !== 'Pending') ? 'Running' : 'Pending';
  if (state.steps.some((s) => s.phase === 'Cancelled')) return 'Cancelled';
  return state.steps.some((s, i) => s.phase === 'Failed' && !dag.continueOnFailure[i]) ? 'Failed' : 'Succeeded';
}
