/**
 * The tree a run is shown as (`get`, `submit --watch`, `wait`): a header, then each step under the steps it
 * depends on, with phase, duration and what it waits for or why it ended. Pure: the run and a clock in, lines out.
 */
import { normalizeSteps } from '../core/dag/graph.js';
import type { OrchestrationRunStatus, StepStatus } from '../core/index.js';
import { singleLine } from '../core/messages.js';

/** A step of a spec, as the CLI reads it (the bridge parses the whole spec). */
export type SpecStep = { name: string; dependsOn?: string[]; approval?: unknown; job?: unknown };

export interface RunObject {
  metadata: { name: string; namespace?: string; creationTimestamp?: string; uid?: string };
  spec?: { steps?: SpecStep[]; finally?: SpecStep[]; orchestrationRef?: { name: string }; resumeFrom?: { name: string } };
  status?: OrchestrationRunStatus;
}

/** 75 s → "1m15s"; under a minute, seconds only. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** How long a step (or run) ran: to its completion, or to now while it runs; empty before it started. */
export function durationOf(start: string | undefined, end: string | undefined, now: number): string {
  if (!start) return '';
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now;
  return Number.isNaN(from) || Number.isNaN(to) ? '' : formatDuration(to - from);
}

/**
 * Depth of each step in its DAG: 0 for a step with no dependencies, else one more than its deepest dependency.
 * Steps without any dependsOn run in list order (the core's sequential fallback), so they nest that way.
 */
export function depths(steps: readonly { name: string; dependsOn?: string[] }[]): Map<string, number> {
  const normalized = normalizeSteps(steps);
  const byName = new Map(normalized.map((s) => [s.name, s]));
  const depth = new Map<string, number>();
  const visit = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const step = byName.get(name);
    if (!step || seen.has(name)) return 0; // a cycle or an unknown name: lint reports it; the tree stays finite
    seen.add(name);
    const d = step.dependsOn.length === 0 ? 0 : 1 + Math.max(...step.dependsOn.map((dep) => visit(dep, seen)));
    depth.set(name, d);
    return d;
  };
  for (const s of normalized) visit(s.name, new Set());
  return depth;
}

function stepDetail(step: StepStatus): string {
  const parts = [
    step.reason,
    step.attempts !== undefined && step.attempts > 1 ? `${step.attempts} attempts` : undefined,
    step.reused ? 'reused' : undefined,
    step.approvedBy ? `approved by ${step.approvedBy}` : undefined,
    step.rejectedBy ? `rejected by ${step.rejectedBy}` : undefined,
    step.childRun ? `run ${step.childRun}` : undefined,
    step.message ? oneLine(step.message) : undefined,
  ];
  return parts.filter(Boolean).join('  ');
}

const oneLine = (text: string, max = 120): string => {
  const line = singleLine(text);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** Pads each column to its widest cell; the last column is left as it is. */
export function table(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length))).join('   ').trimEnd());
}

/** The run's header, its step tree and, when it has one, the Temporal UI link. */
/**
 * The step rows kept when at most `max` fit: the steps at work or failed first (what a watcher looks for), then
 * the others in list order; kept rows stay in list order, and a row after them counts the rest.
 */
function fitSteps(steps: readonly StepStatus[], max: number | undefined): { kept: StepStatus[]; hidden: number } {
  if (max === undefined || steps.length <= max) return { kept: [...steps], hidden: 0 };
  const room = Math.max(1, max);
  const urgent = (s: StepStatus) => s.phase === 'Running' || s.phase === 'Failed';
  const order = [...steps.keys()].sort((a, b) => Number(urgent(steps[b]!)) - Number(urgent(steps[a]!)) || a - b);
  const chosen = new Set(order.slice(0, room));
  return { kept: steps.filter((_, i) => chosen.has(i)), hidden: steps.length - chosen.size };
}

/** `maxStepRows`: the most step rows drawn (a terminal's height); the rest are counted, `get` shows them all. */
export function renderRun(run: RunObject, now: number, options: { maxStepRows?: number } = {}): string[] {
  const status = run.status ?? {};
  const phase = status.phase ?? 'Pending';
  const header = [
    `${run.metadata.namespace ? `${run.metadata.namespace}/` : ''}${run.metadata.name}`,
    phase,
    status.progress ? `${status.progress} steps` : undefined,
    durationOf(status.startTime, status.completionTime, now),
    run.spec?.orchestrationRef ? `orchestration ${run.spec.orchestrationRef.name}` : undefined,
  ].filter(Boolean).join('   ');
  const lines = [header];
  if (status.message) lines.push(`  ${oneLine(status.message, 200)}`);
  if (status.queue) lines.push(`  queued: ${status.queue.position} of ${status.queue.of} waiting for ${status.queue.heldBy}`);
  if (status.suspendedBy) lines.push(`  suspended by ${status.suspendedBy}`);
  const specSteps = [...(run.spec?.steps ?? [])];
  const depth = depths(specSteps);
  const finallyDepth = depths(run.spec?.finally ?? []);
  const { kept, hidden } = fitSteps(status.steps ?? [], options.maxStepRows);
  const rows = kept.map((step) => {
    const d = step.finally ? (finallyDepth.get(step.name) ?? 0) : (depth.get(step.name) ?? 0);
    const name = `${'  '.repeat(d)}${step.finally ? '⤷ ' : ''}${step.name}`;
    return [`  ${name}`, step.phase, durationOf(step.startTime, step.completionTime, now), stepDetail(step)];
  });
  if (rows.length > 0) lines.push(...table([['  STEP', 'PHASE', 'DURATION', 'DETAILS'], ...rows]));
  if (hidden > 0) lines.push(`  … ${hidden} more step${hidden === 1 ? '' : 's'} (kubectl orch get ${run.metadata.name} shows all)`);
  if (status.temporal?.uiUrl) lines.push(`Temporal UI: ${status.temporal.uiUrl}`);
  return lines;
}

/** Lines for what changed between two views of a run, for a watch that is not on a terminal. */
export function changes(before: RunObject | undefined, after: RunObject): string[] {
  const lines: string[] = [];
  const phase = after.status?.phase ?? 'Pending';
  const runLine = (before?.status?.phase ?? (before ? 'Pending' : undefined)) !== phase ? `run ${after.metadata.name} ${phase}${after.status?.message ? `: ${oneLine(after.status.message, 200)}` : ''}` : undefined;
  // A run that starts is said before its steps; one that ends, after the steps that ended it.
  const ended = phase === 'Succeeded' || phase === 'Failed' || phase === 'Cancelled';
  if (runLine && !ended) lines.push(runLine);
  const old = new Map((before?.status?.steps ?? []).map((s) => [s.name, s]));
  for (const step of after.status?.steps ?? []) {
    const prev = old.get(step.name);
    if (prev?.phase === step.phase && prev.reason === step.reason) continue;
    if (!prev && step.phase === 'Pending') continue;
    const detail = stepDetail(step);
    lines.push(`step ${step.name} ${step.phase}${detail ? `  ${detail}` : ''}`);
  }
  if (runLine && ended) lines.push(runLine);
  return lines;
}
