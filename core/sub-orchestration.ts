/**
 * Sub-orchestrations: a step that runs another Orchestration as a child OrchestrationRun. The child's name,
 * its labels, and the rule that bounds how deep Orchestrations may nest (and that none reaches itself).
 * Pure, so the worker that creates a child, the bridge that validates a run and the tests agree.
 */
import { API_GROUP } from './api/names.js';
import { digest } from './job-step.js';
import type { RunIdentity } from './run-snapshot.js';

/** Labels of a child run: `kubectl get orchrun -l orchestration.proompteng.ai/parent-run=<parent>` lists a run's children. */
export const ChildRunLabels = {
  /** The parent run's name (absent when longer than a label value may be: the parent-uid label is always there). */
  parentRun: `${API_GROUP}/parent-run`,
  parentUid: `${API_GROUP}/parent-uid`,
  parentStep: `${API_GROUP}/parent-step`,
  /** How deep the child nests: 1 for a child of a top-level run. The runtime guard under the bridge's check. */
  depth: `${API_GROUP}/depth`,
} as const;

/**
 * Orchestrations nest at most this deep: a run's child is at depth 1, its grandchild at 2. A chain deeper
 * than this is a mistake or a cycle through names the check could not see; each level is a workflow and a CR.
 */
export const MAX_ORCHESTRATION_DEPTH = 5;

/**
 * A child run returns its steps' outputs up to this many characters in all (the JSON of each entry), in the
 * steps' order; the rest are left out, so a child's result stays far below Temporal's payload limit.
 */
export const CHILD_OUTPUTS_MAX_CHARS = 64 * 1024;

/** The outputs a child run returns: whole entries, in order, while they fit. */
export function boundedOutputs(outputs: Record<string, string | undefined>, max = CHILD_OUTPUTS_MAX_CHARS): Record<string, string> {
  const kept: Record<string, string> = {};
  let size = 2;
  for (const [name, output] of Object.entries(outputs)) {
    if (output === undefined) continue;
    const entry = JSON.stringify(name).length + JSON.stringify(output).length + 2;
    if (size + entry > max) continue;
    size += entry;
    kept[name] = output;
  }
  return kept;
}

/** An object name is at most 253 characters (a DNS-1123 subdomain). */
const MAX_OBJECT_NAME = 253;

/**
 * `<parent>-<step>-<digest>`: the child run of a step, one per parent run (the digest covers the parent's
 * uid, so a parent recreated under its name never meets its predecessor's child) and step. A retried
 * activity finds the child it created instead of making a second.
 */
export function childRunNameFor(parent: Pick<RunIdentity, 'name' | 'uid'>, step: string): string {
  const suffix = `-${digest(`${parent.uid}/${step}`)}`;
  const prefix = `${parent.name}-${step}`
    .slice(0, MAX_OBJECT_NAME - suffix.length)
    .replace(/[-.]+$/, '');
  return `${prefix}${suffix}`;
}

/** A label value is at most 63 characters. */
const labelValue = (value: string): string | undefined => (value.length <= 63 ? value : undefined);

export function childRunLabels(parent: Pick<RunIdentity, 'name' | 'uid'>, step: string, depth: number): Record<string, string> {
  const name = labelValue(parent.name);
  return {
    ...(name ? { [ChildRunLabels.parentRun]: name } : {}),
    [ChildRunLabels.parentUid]: parent.uid,
    [ChildRunLabels.parentStep]: step,
    [ChildRunLabels.depth]: String(depth),
  };
}

/** Whether a run was created by a parent's step: its parent starts its workflow, the bridge does not. */
export function isChildRun(run: { metadata: { labels?: Record<string, string> | undefined } }): boolean {
  return run.metadata.labels?.[ChildRunLabels.parentUid] !== undefined;
}

/** The child's depth as its label says; 0 for a top-level run (or a label that is not a number). */
export function runDepth(run: { metadata: { labels?: Record<string, string> | undefined } }): number {
  const depth = Number(run.metadata.labels?.[ChildRunLabels.depth]);
  return Number.isInteger(depth) && depth > 0 ? depth : 0;
}

/** What the nesting check needs of a step: which Orchestration it runs, if any. */
export interface NestingStep {
  orchestration?: { name: string } | undefined;
}

export type NestingResult =
  | { ok: true; depth: number }
  /** A chain of Orchestrations that reaches its first again: ['a', 'b', 'a']. */
  | { ok: false; cycle: string[] }
  /** A chain deeper than the bound: the Orchestrations from the run's own down. */
  | { ok: false; tooDeep: string[]; max: number };

/**
 * Walks the Orchestrations a run reaches through orchestration steps. `root` is the Orchestration the run's
 * steps come from (undefined: its own steps), `depth` the run's own depth (0 unless it is a child);
 * `stepsOf` looks an Orchestration up (undefined: not found, left to the step to report when it runs).
 * Each Orchestration is walked once, however many paths reach it.
 */
export function checkNesting(
  root: string | undefined,
  steps: readonly NestingStep[],
  stepsOf: (name: string) => readonly NestingStep[] | undefined,
  depth = 0,
  max = MAX_ORCHESTRATION_DEPTH,
): NestingResult {
  // Levels below each Orchestration, once walked; the path of the walk, to name a cycle.
  const below = new Map<string, number>();
  const path: string[] = root ? [root] : [];
  type Found = { cycle: string[] } | { tooDeep: string[] };
  let found: Found | undefined;
  const children = (list: readonly NestingStep[]) => [...new Set(list.flatMap((s) => (s.orchestration ? [s.orchestration.name] : [])))];

  /** Levels of children under `list`, at `level` (the depth of a child of it); undefined once a problem is found. */
  const walk = (list: readonly NestingStep[], level: number): number | undefined => {
    let deepest = 0;
    for (const name of children(list)) {
      if (path.includes(name)) {
        found = { cycle: [...path.slice(path.indexOf(name)), name] };
        return undefined;
      }
      if (level > max) {
        found = { tooDeep: [...path, name] };
        return undefined;
      }
      let levels = below.get(name);
      if (levels === undefined) {
        const nested = stepsOf(name);
        path.push(name);
        const under = nested ? walk(nested, level + 1) : 0;
        path.pop();
        if (under === undefined) return undefined;
        levels = under;
        below.set(name, levels);
      }
      if (level + levels > max) {
        found = { tooDeep: [...path, name, '…'] };
        return undefined;
      }
      deepest = Math.max(deepest, levels + 1);
    }
    return deepest;
  };
  const levels = walk(steps, depth + 1);
  if (found) return 'cycle' in found ? { ok: false, ...found } : { ok: false, ...found, max };
  return { ok: true, depth: depth + (levels ?? 0) };
}

/** One line for a nesting problem, naming the Orchestrations. */
export function describeNesting(result: Exclude<NestingResult, { ok: true }>): string {
  if ('cycle' in result) return `Orchestrations nest in a cycle: Orchestration ${result.cycle.join(' → ')}`;
  return `Orchestrations nest deeper than ${result.max} levels: Orchestration ${result.tooDeep.join(' → ')}`;
}
