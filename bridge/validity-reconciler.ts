/**
 * The reconcile of validity, beside the run reconcile: an Orchestration's Ready condition, and the end of a
 * run the schema rejects. Reads the informer cache only (no Temporal), so it costs nothing on a resync.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { checkNesting, checkOrchestration, describeNesting, ObjectMetaSchema, type NestingStep, OrchestrationRunStatusSchema, OrchestrationStatusSchema, RUNTIME_CLEANUP_FINALIZER } from '../core/index.js';
import { decideOrchestrationStatus, decideUnparsedRun } from './decide-invalid.js';
import type { ValidityWriter } from './validity-writer.js';

/** Queue keys of Orchestrations carry this prefix; run keys are plain namespace/name. */
export const ORCHESTRATION_KEY_PREFIX = 'orchestration:';

type Stored = KubernetesObject & { spec?: unknown; status?: unknown };

function identity(kind: 'OrchestrationRun' | 'Orchestration', obj: Stored) {
  const meta = obj.metadata ?? {};
  return {
    kind,
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
    ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
  };
}

export function createValidityReconciler(deps: { writer: ValidityWriter; logger: Logger; now?: () => string }) {
  const now = deps.now ?? (() => new Date().toISOString());
  return {
    /** A run whose stored object the schema rejects: Failed/InvalidSpec naming the problems, or let go if deleted. */
    async unparsedRun(key: string, cached: Stored, problems: string[]): Promise<void> {
      const meta = ObjectMetaSchema.partial().safeParse(cached.metadata ?? {});
      const status = OrchestrationRunStatusSchema.safeParse(cached.status ?? {});
      const raw = (cached.status ?? {}) as { phase?: unknown; temporal?: unknown };
      const actions = decideUnparsedRun(
        {
          generation: meta.success ? meta.data.generation : undefined,
          deleting: Boolean(cached.metadata?.deletionTimestamp),
          holdsFinalizer: cached.metadata?.finalizers?.includes(RUNTIME_CLEANUP_FINALIZER) ?? false,
          // A status that does not parse still says whether the run ended or started.
          status: status.success ? status.data : { ...(typeof raw.phase === 'string' ? { phase: raw.phase } : {}), ...(raw.temporal ? { temporal: raw.temporal } : {}) },
        },
        problems,
        now(),
      );
      if (actions.length === 0) {
        if (raw.temporal && !cached.metadata?.deletionTimestamp) deps.logger.warn({ run: key, problems }, 'a started OrchestrationRun no longer matches the schema; its workflow writes its end');
        return;
      }
      deps.logger.info({ run: key, problems: problems.slice(0, 10), count: problems.length, actions: actions.map((a) => a.type) }, 'OrchestrationRun does not match the schema');
      await deps.writer.execute(identity('OrchestrationRun', cached), actions);
    },

    /**
     * An Orchestration's Ready condition from the schema and the DAG rules (the ones the workflow uses), and
     * from how it nests: `stepsOf` looks the Orchestrations its orchestration steps run up in the cache.
     */
    async orchestration(key: string, cached: Stored | undefined, stepsOf: (name: string) => NestingStep[] | undefined = () => undefined): Promise<void> {
      if (!cached) return; // deleted
      const checked = checkOrchestration(cached);
      let problems = checked.ok ? [] : checked.problems;
      if (checked.ok) {
        const { spec } = checked.value;
        const nesting = checkNesting(checked.value.metadata.name, [...spec.steps, ...(spec.finally ?? [])], stepsOf);
        if (!nesting.ok) problems = [describeNesting(nesting)];
      }
      const current = OrchestrationStatusSchema.safeParse(cached.status ?? {});
      const actions = decideOrchestrationStatus(current.success ? current.data : undefined, problems, cached.metadata?.generation, now());
      if (actions.length === 0) return;
      deps.logger.debug({ orchestration: key, valid: problems.length === 0 }, 'orchestration status');
      await deps.writer.execute(identity('Orchestration', cached), actions);
    },
  };
}
