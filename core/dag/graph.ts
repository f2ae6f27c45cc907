/** The step graph: sequential fallback, validation (duplicates, missing names, cycles) and adjacency. */

/** The graph view of a step: what the DAG rules need, nothing else. */
export interface GraphStep {
  name: string;
  dependsOn?: readonly string[] | undefined;
  continueOnFailure?: boolean | undefined;
}

/** A validated graph: steps in declaration order, each with its resolved dependencies by index. */
export interface Dag {
  names: string[];
  /** deps[i]: indices of the steps step i waits for. */
  deps: number[][];
  /** dependents[i]: indices of the steps that wait for step i. */
  dependents: number[][];
  continueOnFailure: boolean[];
}

export type GraphProblem =
  /** index: the step (of the list) that repeats the name. */
  | { kind: 'duplicate'; name: string; index: number }
  | { kind: 'missing'; step: string; dependsOn: string }
  | { kind: 'cycle'; cycle: string[] };

/** Sequential fallback (seed 001): when no step declares dependsOn, each step waits for the one before it. */
export function normalizeSteps<T extends GraphStep>(steps: readonly T[]): (T & { dependsOn: string[] })[] {
  const declared = steps.some((s) => s.dependsOn !== undefined);
  return steps.map((step, i) => ({
    ...step,
    dependsOn: declared ? [...(step.dependsOn ?? [])] : i > 0 ? [steps[i - 1]!.name] : [],
  }));
}

/** Finds one cycle, as the path that closes it (`a → b → a`), or undefined. Iterative: 5,000 deep is fine. */
function findCycle(names: readonly string[], deps: readonly (readonly number[])[]): number[] | undefined {
  const state = new Uint8Array(names.length); // 0 new, 1 on the current path, 2 done
  for (let root = 0; root < names.length; root++) {
    if (state[root] !== 0) continue;
    const path: number[] = [root];
    const next: number[] = [0];
    state[root] = 1;
    while (path.length > 0) {
      const top = path.length - 1;
      const node = path[top]!;
      const edge = next[top]!;
      if (edge >= deps[node]!.length) {
        state[node] = 2;
        path.pop();
        next.pop();
        continue;
      }
      next[top] = edge + 1;
      const dep = deps[node]![edge]!;
      if (state[dep] === 1) {
        // The path runs along "waits for" edges; report it in execution order: dep first.
        const start = path.indexOf(dep);
        const loop = path.slice(start);
        return [...loop, loop[0]!].reverse();
      }
      if (state[dep] === 0) {
        state[dep] = 1;
        path.push(dep);
        next.push(0);
      }
    }
  }
  return undefined;
}

/** At most this many cycles are named: a spec with more has its first ones fixed first. */
export const MAX_CYCLES_REPORTED = 10;

/**
 * The cycles of a graph, each as its path: one is found, the edge that closes it is set aside, and the search
 * goes on, so every independent cycle is named (at most MAX_CYCLES_REPORTED).
 */
function findCycles(names: readonly string[], deps: readonly (readonly number[])[]): string[][] {
  const remaining = deps.map((ds) => [...ds]);
  const cycles: string[][] = [];
  for (let found = findCycle(names, remaining); found && cycles.length < MAX_CYCLES_REPORTED; found = findCycle(names, remaining)) {
    cycles.push(found.map((i) => names[i]!));
    // found is in execution order, closing on itself: its last step waits for the one before it.
    const waiter = found[found.length - 1]!;
    const waitedFor = found[found.length - 2]!;
    remaining[waiter] = remaining[waiter]!.filter((d) => d !== waitedFor);
  }
  return cycles;
}

/**
 * Validates names and edges. Every problem is named, in a stable order: duplicates and unknown dependencies as
 * they come in the list, then the cycles among the edges that name a step. On problems `partial` is the graph of
 * those edges (a duplicate name is its first step), for checks that go on past the graph's.
 */
export function buildDag(steps: readonly GraphStep[]): { ok: true; dag: Dag } | { ok: false; problems: GraphProblem[]; partial: Dag } {
  const index = new Map<string, number>();
  const problems: GraphProblem[] = [];
  steps.forEach((step, i) => {
    if (index.has(step.name)) problems.push({ kind: 'duplicate', name: step.name, index: i });
    else index.set(step.name, i);
  });
  // The sequential fallback (normalizeSteps' rule) by position: with a name repeated, the step after the
  // repeat still waits for it.
  const sequential = !steps.some((s) => s.dependsOn !== undefined);
  const deps = steps.map((step, i) => {
    if (sequential) return i > 0 ? [i - 1] : [];
    const out: number[] = [];
    for (const dep of new Set(step.dependsOn ?? [])) {
      const at = index.get(dep);
      if (at === undefined) problems.push({ kind: 'missing', step: step.name, dependsOn: dep });
      else out.push(at);
    }
    return out;
  });
  const names = steps.map((s) => s.name);
  for (const cycle of findCycles(names, deps)) problems.push({ kind: 'cycle', cycle });
  const dependents: number[][] = names.map(() => []);
  deps.forEach((ds, i) => ds.forEach((d) => dependents[d]!.push(i)));
  const dag: Dag = { names, deps, dependents, continueOnFailure: steps.map((s) => s.continueOnFailure === true) };
  return problems.length > 0 ? { ok: false, problems, partial: dag } : { ok: true, dag };
}

/** Every step that `step` transitively waits for. */
export function ancestors(dag: Dag, step: number): Set<number> {
  const seen = new Set<number>();
  const stack = [...dag.deps[step]!];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...dag.deps[next]!);
  }
  return seen;
}
