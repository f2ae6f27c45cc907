/** Drives the pure DAG state as a workflow would, with outcomes chosen by the test: a model of execution. */
import {
  applyStepEvent,
  buildDag,
  initialState,
  stepsToStart,
  type Dag,
  type DagState,
  type GraphStep,
  type SchedulePolicy,
} from '../../core/index.js';

export interface SimTrace {
  dag: Dag;
  state: DagState;
  /** Step indices in the order they started and ended. */
  started: number[];
  ended: number[];
  maxRunning: number;
  /** For each started step, the phases of its dependencies at the moment it started. */
  depPhasesAtStart: Map<number, string[]>;
}

/** Runs to completion; `fails(i)` says whether step i fails, `pick(n)` which of n running steps ends next. */
export function simulate(steps: GraphStep[], policy: SchedulePolicy, fails: (i: number) => boolean, pick: (n: number) => number = () => 0): SimTrace {
  const built = buildDag(steps);
  if (!built.ok) throw new Error(`invalid test DAG: ${JSON.stringify(built.problems)}`);
  const { dag } = built;
  const state = initialState(dag);
  const trace: SimTrace = { dag, state, started: [], ended: [], maxRunning: 0, depPhasesAtStart: new Map() };
  const running: number[] = [];
  let clock = 0;
  const at = () => new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString();
  for (;;) {
    for (const i of stepsToStart(state, policy)) {
      trace.depPhasesAtStart.set(i, dag.deps[i]!.map((d) => state.steps[d]!.phase));
      applyStepEvent(dag, state, { type: 'started', step: i, at: at() }, policy);
      trace.started.push(i);
      running.push(i);
    }
    trace.maxRunning = Math.max(trace.maxRunning, state.running);
    if (running.length === 0) break;
    const [i] = running.splice(pick(running.length) % running.length, 1) as [number];
    trace.ended.push(i);
    applyStepEvent(dag, state, fails(i) ? { type: 'failed', step: i, at: at(), message: 'boom' } : { type: 'succeeded', step: i, at: at(), output: `out-${i}` }, policy);
  }
  return trace;
}
