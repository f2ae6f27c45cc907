/**
 * Resume from a finished run (spec.resumeFrom): which of its steps the new run reuses instead of running
 * again. Pure: the bridge reads the earlier run's snapshot and step states from Temporal and calls this.
 */
import { buildDag } from './dag/graph.js';
import type { ReusedStep } from './dag/state.js';
import { substitute } from './dag/templates.js';
import { referencedOutputs } from './dag/validate.js';
import type { Step } from './api/step.js';

/** A step of the earlier run as its workflow's getRunState query reports it (the full output, not the CR's). */
export interface EarlierStep {
  name: string;
  phase: string;
  output?: string;
  startTime?: string;
  completionTime?: string;
  attempts?: number;
  finally?: boolean;
}

/** A workflow input holds at most 2 MB; what the reused steps carry into it stays well under that. */
export const MAX_REUSED_BYTES = 1_500_000;

/** JSON with sorted keys: two definitions compare equal whatever order their fields were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A step as it would run: parameters substituted (outputs are compared through its reused ancestors). */
const effective = (step: Step, parameters: Readonly<Record<string, string>>) => canonical(substitute(step, { params: parameters, outputs: {} }));

export interface ReusePlan {
  reused: Record<string, ReusedStep>;
  problems: string[];
}

/**
 * A step is reused when it Succeeded in the earlier run, its definition (parameters substituted) is unchanged,
 * `rerun` does not name it, and every step it depends on is reused too: a step after one that runs again runs
 * again. Finally steps always run.
 */
export function planReuse(
  run: { steps: readonly Step[]; parameters: Readonly<Record<string, string>>; rerun: readonly string[]; finally?: readonly Step[] | undefined },
  earlier: {
    name: string;
    phase: string;
    steps: readonly Step[];
    parameters: Readonly<Record<string, string>>;
    states: readonly EarlierStep[];
    /** Workflow runs of its continue-as-new chain: past the first, outputs nothing referenced were not carried. */
    generations?: number;
  },
): ReusePlan {
  const problems: string[] = [];
  const names = new Set(run.steps.map((s) => s.name));
  for (const name of run.rerun) if (!names.has(name)) problems.push(`rerun names "${name}", which is not a step of this run`);
  const built = buildDag(run.steps);
  if (!built.ok || problems.length > 0) return { reused: {}, problems };
  const { dag } = built;
  const before = new Map(earlier.steps.map((s) => [s.name, s]));
  const state = new Map(earlier.states.filter((s) => !s.finally).map((s) => [s.name, s]));
  const rerun = new Set(run.rerun);
  const reusable = new Map<number, boolean>();
  // Memoised over the DAG (acyclic: buildDag checked); iterative, so 5,000 deep is fine.
  const decide = (root: number): boolean => {
    const stack = [root];
    while (stack.length > 0) {
      const i = stack[stack.length - 1]!;
      if (reusable.has(i)) {
        stack.pop();
        continue;
      }
      const open = dag.deps[i]!.filter((d) => !reusable.has(d));
      if (open.length > 0) {
        stack.push(...open);
        continue;
      }
      stack.pop();
      const step = run.steps[i]!;
      const old = before.get(step.name);
      const ok =
        state.get(step.name)?.phase === 'Succeeded' &&
        !rerun.has(step.name) &&
        old !== undefined &&
        effective(old, earlier.parameters) === effective(step, run.parameters) &&
        dag.deps[i]!.every((d) => reusable.get(d) === true);
      reusable.set(i, ok);
    }
    return reusable.get(root)!;
  };
  const reused: Record<string, ReusedStep> = {};
  run.steps.forEach((step, i) => {
    if (!decide(i)) return;
    const { output, startTime, completionTime, attempts } = state.get(step.name)!;
    reused[step.name] = {
      ...(output !== undefined ? { output } : {}),
      ...(startTime ? { startTime } : {}),
      ...(completionTime ? { completionTime } : {}),
      ...(attempts !== undefined ? { attempts } : {}),
    };
  });
  if ((earlier.generations ?? 1) > 1) {
    // An output a step that runs will read, which the earlier run no longer holds: running it would read "".
    const readers = [...run.steps.filter((s) => !Object.hasOwn(reused, s.name)), ...(run.finally ?? [])];
    for (const name of referencedOutputs(readers)) {
      if (Object.hasOwn(reused, name) && reused[name]!.output === undefined) {
        problems.push(`resumeFrom: step "${name}" of run "${earlier.name}" would be reused, but its output is gone (that run continued as new, and nothing there read it); add "${name}" to rerun`);
      }
    }
  }
  if (Object.keys(reused).length === run.steps.length) {
    problems.push(
      earlier.phase === 'Succeeded'
        ? `resumeFrom: run "${earlier.name}" Succeeded and every step would be reused; name the steps to run again in rerun`
        : `resumeFrom: every step of run "${earlier.name}" Succeeded with the same definition; nothing would run`,
    );
  }
  const bytes = new TextEncoder().encode(JSON.stringify(reused)).length;
  if (bytes > MAX_REUSED_BYTES) {
    problems.push(`resumeFrom: the outputs of the reused steps of run "${earlier.name}" come to ${bytes} bytes, over the ${MAX_REUSED_BYTES} a workflow input may carry; rerun the steps with the largest outputs`);
  }
  return { reused, problems };
}
