/**
 * What the bridge reads from its cache about sub-orchestrations: how the Orchestrations a run reaches nest
 * (a cycle, too deep), which Orchestrations to check again when one changes, and a child run's parent.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { checkNesting, describeNesting, runDepth, type NestingStep, type Orchestration, type OrchestrationRun } from '../core/index.js';
import type { ParentView } from './types.js';
import type { WatchedKind } from './informers.js';

type Cached = Pick<WatchedKind, 'get' | 'list'>;

export function createChildRunViews(orchestrations: Cached, runs: Pick<WatchedKind, 'get'>) {
  /** The steps of a cached Orchestration, as far as the nesting check reads them (`orchestration.name`). */
  const stepsOf =
    (namespace: string) =>
    (name: string): NestingStep[] | undefined => {
      const spec = (orchestrations.get(namespace, name) as { spec?: { steps?: unknown; finally?: unknown } } | undefined)?.spec;
      if (!spec) return undefined;
      // An Orchestration the schema rejects is reported by its own status; here only the names it runs count.
      return [spec.steps, spec.finally].flatMap((list) => (Array.isArray(list) ? (list as NestingStep[]) : []));
    };

  return {
    stepsOf,

    /** A run about to start: a cycle or a chain too deep among the Orchestrations its steps reach (one line). */
    nestingProblem(run: OrchestrationRun, orchestration: Orchestration | undefined): string | undefined {
      const own = [...(run.spec.steps ?? orchestration?.spec.steps ?? []), ...(run.spec.finally ?? orchestration?.spec.finally ?? [])];
      if (!own.some((s) => s.orchestration)) return undefined;
      const checked = checkNesting(run.spec.steps ? undefined : run.spec.orchestrationRef?.name, own, stepsOf(run.metadata.namespace), runDepth(run));
      return checked.ok ? undefined : describeNesting(checked);
    },

    /**
     * How an Orchestration nests depends on the ones it runs: when one changes, every other Orchestration of
     * its namespace that runs some Orchestration is checked again (a cycle closes or opens through any of them).
     */
    nestingDependents(changed: KubernetesObject): KubernetesObject[] {
      return orchestrations.list(changed.metadata?.namespace ?? '').filter((other) => {
        const spec = (other as { spec?: { steps?: unknown; finally?: unknown } }).spec;
        // Finally steps may run Orchestrations too: a cycle may close through them.
        const steps = [spec?.steps, spec?.finally].flatMap((list) => (Array.isArray(list) ? (list as unknown[]) : []));
        return other.metadata?.name !== changed.metadata?.name && steps.some((s) => (s as NestingStep | undefined)?.orchestration);
      });
    },

    /** A child run's parent, by the owner reference its creator set (name and uid), from the cache. */
    parentOf(run: OrchestrationRun): ParentView {
      const owner = (run.metadata as { ownerReferences?: { name?: string; uid?: string; kind?: string }[] }).ownerReferences?.find((o) => o.kind === 'OrchestrationRun');
      if (!owner?.name) return { found: false };
      const cached = runs.get(run.metadata.namespace, owner.name) as Partial<OrchestrationRun> | undefined;
      if (cached?.metadata?.uid !== owner.uid) return { found: false, name: owner.name };
      return { found: true, name: owner.name, ...(cached?.status?.phase ? { phase: cached.status.phase } : {}) };
    },
  };
}
