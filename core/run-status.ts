/**
 * The status the workflow writes to the CR, built from the DAG state. Compact by rule, so that 5,000
 * steps stay far below etcd's 1.5 MiB object limit (and the 1 MiB goal):
 *  - a step entry omits every empty field, and `attempts` when it is 1;
 *  - times are whole seconds (RFC 3339, "2026-01-01T00:00:00Z");
 *  - messages are cut to 512 characters, outputs to 1,024;
 *  - if the steps still exceed STEP_STATUS_BUDGET bytes: outputs are dropped, then messages cut to 64
 *    characters, then messages dropped (reason and phase stay), and last only name and phase remain.
 * The full output of each step stays in the Temporal history and in the getRunState query.
 */
import type { RunPhase, StepStatus, StepCounts } from './api/index.js';
import type { Dag } from './dag/graph.js';
import { stepCounts, type DagState, type StepRecord } from './dag/state.js';
import { utf8Bytes } from './messages.js';

export const STEP_STATUS_BUDGET = 900 * 1024;

export interface RunStatusUpdate {
  phase: RunPhase;
  startTime: string;
  completionTime?: string;
  message?: string;
  /** The reason of the Succeeded condition of a finished run when not its phase (DeadlineExceeded, FinallyFailed). */
  reason?: string;
  /** The run this one resumes. */
  resumedFrom?: { name: string; uid: string; workflowId: string };
  /** Once the run was ever suspended or resumed: its Suspended condition and suspendedBy. */
  suspension?: { suspended: boolean; by: string; at: string };
  stepCounts: StepCounts;
  progress: string;
  steps: StepStatus[];
}

/** The finally steps of a run beside its DAG: shown after its steps, marked `finally`, counted with them. */
export interface FinallyPart {
  dag: Dag;
  state: DagState;
}

/** An RFC 3339 time in whole seconds, the form every time in the status has: "2026-01-01T00:00:00Z". */
export function wholeSeconds(time: string): string {
  return time.replace(/\.\d+Z$/, 'Z');
}

function seconds(time: string | undefined): string | undefined {
  return time === undefined ? undefined : wholeSeconds(time);
}

function cut(text: string | undefined, max: number): string | undefined {
  if (text === undefined || text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}

function entry(name: string, record: StepRecord, limits: { message: number; output: number }): StepStatus {
  const out: StepStatus = { name, phase: record.phase };
  if (record.reason) out.reason = record.reason;
  const message = limits.message > 0 ? cut(record.message, limits.message) : undefined;
  if (message) out.message = message;
  if (record.attempts !== undefined && record.attempts !== 1) out.attempts = record.attempts;
  const start = seconds(record.startTime);
  if (start) out.startTime = start;
  const end = seconds(record.completionTime);
  if (end) out.completionTime = end;
  if (record.jobName) out.jobName = record.jobName;
  if (record.childRun) out.childRun = record.childRun;
  if (record.approvedBy) out.approvedBy = record.approvedBy;
  if (record.rejectedBy) out.rejectedBy = record.rejectedBy;
  if (record.reused) out.reused = true;
  const output = limits.output > 0 ? cut(record.output, limits.output) : undefined;
  if (output) out.output = output;
  return out;
}

/** Step entries within the budget, trimming outputs first, then messages. */
export function compactSteps(dag: Dag, state: DagState): StepStatus[] {
  for (const limits of [
    { message: 512, output: 1024 },
    { message: 512, output: 0 },
    { message: 64, output: 0 },
    { message: 0, output: 0 },
  ]) {
    const steps = state.steps.map((record, i) => entry(dag.names[i]!, record, limits));
    if (JSON.stringify(steps).length <= STEP_STATUS_BUDGET) return steps;
  }
  return state.steps.map((record, i) => ({ name: dag.names[i]!, phase: record.phase }));
}

/**
 * etcd refuses a write over 1.5 MiB (its default --max-request-bytes, 1,572,864): the whole object, spec and
 * managedFields included, must fit. The step budget above keeps the status itself small; a large spec
 * (5,000 steps with long commands) can still leave less room than that. Kept well under the limit for the
 * key, the bridge's own fields and what the apiserver adds.
 */
export const OBJECT_BYTES_LIMIT = 1_400_000;

/**
 * The steps of a status write that fit the room its object leaves: `otherBytes` is the size (UTF-8 bytes
 * of its JSON, as etcd stores it) of the stored object without its status steps. First each entry shrinks to name, phase and reason; if even that does not
 * fit, the list keeps the steps that did not succeed first (what a user looks for), in DAG order, as many
 * as fit. stepCounts and progress always count every step; `omitted` says how many entries were left out.
 */
export function fitObjectLimit(steps: StepStatus[], otherBytes: number, limit = OBJECT_BYTES_LIMIT): { steps: StepStatus[]; omitted: number } {
  const room = limit - otherBytes;
  const bytes = (value: unknown) => utf8Bytes(JSON.stringify(value));
  if (bytes(steps) <= room) return { steps, omitted: 0 };
  const bare = steps.map((s) => (s.reason ? { name: s.name, phase: s.phase, reason: s.reason } : { name: s.name, phase: s.phase }));
  if (bytes(bare) <= room) return { steps: bare, omitted: 0 };
  const order = [...bare.keys()].sort((a, b) => Number(bare[a]!.phase === 'Succeeded') - Number(bare[b]!.phase === 'Succeeded') || a - b);
  const keep = new Set<number>();
  let used = 2;
  for (const i of order) {
    const size = bytes(bare[i]) + 1;
    if (used + size > room) break;
    keep.add(i);
    used += size;
  }
  return { steps: bare.filter((_, i) => keep.has(i)), omitted: bare.length - keep.size };
}

export function progressOf(counts: StepCounts): string {
  return `${counts.total - counts.pending - counts.running}/${counts.total}`;
}

/** Step counts of the DAG and its finally steps together. */
export function allStepCounts(state: DagState, fin?: FinallyPart): StepCounts {
  const counts = stepCounts(state);
  if (!fin) return counts;
  const more = stepCounts(fin.state);
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v + more[k as keyof StepCounts]])) as unknown as StepCounts;
}

export function buildStatusUpdate(
  dag: Dag,
  state: DagState,
  run: { phase: RunPhase; startTime: string; completionTime?: string; message?: string; reason?: string; suspension?: RunStatusUpdate['suspension']; resumedFrom?: RunStatusUpdate['resumedFrom'] },
  fin?: FinallyPart,
): RunStatusUpdate {
  const counts = allStepCounts(state, fin);
  const steps = compactSteps(dag, state);
  // At most MAX_FINALLY_STEPS entries: they fit beside the budget of the steps.
  if (fin) steps.push(...compactSteps(fin.dag, fin.state).map((s) => ({ ...s, finally: true })));
  return {
    phase: run.phase,
    startTime: seconds(run.startTime)!,
    ...(run.completionTime ? { completionTime: seconds(run.completionTime) } : {}),
    ...(run.message ? { message: run.message } : {}),
    ...(run.reason ? { reason: run.reason } : {}),
    ...(run.suspension ? { suspension: run.suspension } : {}),
    ...(run.resumedFrom ? { resumedFrom: run.resumedFrom } : {}),
    stepCounts: counts,
    progress: progressOf(counts),
    steps,
  };
}

/**
 * Field managers of a run's status (server-side apply, no resourceVersion, so no 409 between them): the
 * workflow owns phase, times, message, stepCounts, progress, steps, temporal.runId and the Succeeded
 * condition of the end; the bridge owns the workflow reference, the policy fixed at start and Ready while
 * the workflow runs, and writes the rest before it starts and after it closed.
 */
export const STATUS_FIELD_MANAGERS = { workflow: 'orchestration-workflow', bridge: 'orchestration-bridge' } as const;
