/**
 * The concurrency queue over the informer cache: which limits apply to a run, and the plan (queue-plan.ts)
 * computed once per change of the cache rather than once per reconcile. A run this process decided to start
 * is reserved until the cache shows it starting, so two reconciles running side by side never both take the
 * last slot: the reservation is made in the same tick as the plan is read (no await in between), and a
 * reserved run keeps its slot while its Starting write is retried.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { boundText, isTerminalPhase, type OrchestrationRun } from '../core/index.js';
import { holdsSlot, planQueue, type Admission, type Limit, type QueueEntry } from './queue-plan.js';

export interface RunQueueOptions {
  /** Running runs at once per namespace and across the watched namespaces; 0 or absent: no limit. */
  namespaceMax?: number;
  clusterMax?: number;
  /** Every cached run, of every watched namespace. */
  runs: () => Iterable<KubernetesObject>;
  orchestrations: () => Iterable<KubernetesObject>;
  orchestration: (namespace: string, name: string) => KubernetesObject | undefined;
  /** For tests: the clock of reservations. */
  now?: () => number;
}

/** A reservation the cache never confirmed (its write failed and the run went away meanwhile) lapses after this. */
export const RESERVATION_MS = 60_000;

type RawRun = Partial<OrchestrationRun> & KubernetesObject;

/** spec.concurrency of a cached Orchestration, when it is well formed. */
function orchestrationLimit(obj: KubernetesObject | undefined): { max: number; perTriggerKey: boolean } | undefined {
  const concurrency = (obj as { spec?: { concurrency?: { max?: unknown; perTriggerKey?: unknown } } } | undefined)?.spec?.concurrency;
  const max = concurrency?.max;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) return undefined;
  return { max, perTriggerKey: concurrency?.perTriggerKey === true };
}

export function createRunQueue(options: RunQueueOptions) {
  const namespaceMax = options.namespaceMax || undefined;
  const clusterMax = options.clusterMax || undefined;
  const now = options.now ?? Date.now;
  /** uid → when this process decided to start the run. */
  const reserved = new Map<string, number>();
  let plan: Map<string, Admission> | undefined;
  let queuedCount = 0;
  /** What the plan read of each run: a change elsewhere (a progress write, a place shown) keeps the plan. */
  const seenAs = new Map<string, string>();
  const signature = (run: RawRun) =>
    [isTerminalPhase(run.status?.phase), holdsSlot(run), !!run.metadata?.deletionTimestamp, !!run.spec?.cancel, run.spec?.priority ?? 0, run.spec?.orchestrationRef?.name ?? '', run.spec?.triggerKey ?? ''].join('\u0000');

  /** The limits that apply to a run (most specific first), registering each in `limits`. */
  function limitsOf(run: RawRun, limits: Map<string, Limit>): string[] {
    const namespace = run.metadata?.namespace ?? '';
    const keys: string[] = [];
    const ref = run.spec?.orchestrationRef?.name;
    const own = ref ? orchestrationLimit(options.orchestration(namespace, ref)) : undefined;
    if (ref && own) {
      const trigger = own.perTriggerKey ? (run.spec?.triggerKey ?? '') : undefined;
      const key = `orchestration/${namespace}/${ref}${trigger === undefined ? '' : `/${trigger}`}`;
      // Bounded: status.queue.heldBy holds 512 characters, and a name and a triggerKey may have 253 each.
      const name = `Orchestration ${boundText(ref, 200)}${trigger === undefined ? '' : ` triggerKey "${boundText(trigger, 200)}"`} concurrency.max=${own.max}`;
      limits.set(key, { key, max: own.max, name });
      keys.push(key);
    }
    if (namespaceMax) {
      const key = `namespace/${namespace}`;
      limits.set(key, { key, max: namespaceMax, name: `namespace ${namespace} JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_NAMESPACE=${namespaceMax}` });
      keys.push(key);
    }
    if (clusterMax) {
      limits.set('cluster', { key: 'cluster', max: clusterMax, name: `cluster JANGAR_ORCHESTRATION_CONTROLLER_CONCURRENCY_CLUSTER=${clusterMax}` });
      keys.push('cluster');
    }
    return keys;
  }

  /**
   * A run that waits for a slot: not ended, not started, not going away, and able to start once admitted (a
   * run waiting for its Orchestration to exist takes no place: it could not use a slot it was given).
   */
  function waits(run: RawRun): boolean {
    if (isTerminalPhase(run.status?.phase) || run.metadata?.deletionTimestamp || run.spec?.cancel) return false;
    const ref = run.spec?.orchestrationRef?.name;
    return !ref || options.orchestration(run.metadata?.namespace ?? '', ref) !== undefined;
  }

  function compute(): Map<string, Admission> {
    const limits = new Map<string, Limit>();
    const entries: QueueEntry[] = [];
    const seen = new Set<string>();
    for (const obj of options.runs()) {
      const run = obj as RawRun;
      const uid = run.metadata?.uid;
      if (!uid) continue;
      seen.add(uid);
      // The cache shows what this process reserved (or the run ended): the reservation has done its work.
      if (reserved.has(uid) && (holdsSlot(run) || isTerminalPhase(run.status?.phase))) reserved.delete(uid);
      const active = holdsSlot(run) || reserved.has(uid);
      if (!active && !waits(run)) continue;
      const keys = limitsOf(run, limits);
      if (keys.length === 0) continue;
      const priority = typeof run.spec?.priority === 'number' ? run.spec.priority : 0;
      entries.push({ uid, key: `${run.metadata?.namespace}/${run.metadata?.name}`, created: run.metadata?.creationTimestamp ? new Date(run.metadata.creationTimestamp).toISOString() : '', priority, limits: keys, active });
    }
    for (const [uid, at] of reserved) if (!seen.has(uid) || now() - at > RESERVATION_MS) reserved.delete(uid);
    const computed = planQueue(entries, limits);
    queuedCount = [...computed.values()].filter((a) => !a.admitted).length;
    return computed;
  }

  return {
    /** Whether any limit can apply: without one, nothing here is computed and runs start as before. */
    enabled(): boolean {
      if (namespaceMax || clusterMax) return true;
      for (const obj of options.orchestrations()) if (orchestrationLimit(obj)) return true;
      return false;
    },
    /** Something the plan reads changed (an Orchestration): the next question computes the plan again. */
    invalidate(): void {
      plan = undefined;
    },
    /** A run was added or updated in the cache: the plan is computed again only if what it reads of the run changed. */
    changed(obj: KubernetesObject): void {
      const uid = obj.metadata?.uid ?? '';
      const now = signature(obj as RawRun);
      if (seenAs.get(uid) === now) return;
      seenAs.set(uid, now);
      plan = undefined;
    },
    removed(obj: KubernetesObject): void {
      seenAs.delete(obj.metadata?.uid ?? '');
      plan = undefined;
    },
    /** Whether this process is starting the run (it may still read as queued in the cache). */
    isReserved(uid: string): boolean {
      return reserved.has(uid);
    },
    /** Whether the run may start now, or where it waits; undefined when no limit applies to it. */
    admission(run: OrchestrationRun): Admission | undefined {
      // No limit covers the run: no plan to compute for it.
      if (limitsOf(run as RawRun, new Map()).length === 0) return undefined;
      // Reserved but not yet recorded as starting (its write failed and is retried): it keeps its slot.
      if (reserved.has(run.metadata.uid ?? '')) return { admitted: true };
      plan ??= compute();
      return plan.get(run.metadata.uid ?? '');
    },
    /** Runs queued now, for the refresh interval and the metrics. */
    queued(): number {
      plan ??= compute();
      return queuedCount;
    },
    /** Keys of waiting runs the plan admits: enqueued when a slot frees. */
    admittedWaiting(): string[] {
      plan ??= compute();
      const keys: string[] = [];
      for (const obj of options.runs()) {
        const uid = obj.metadata?.uid ?? '';
        if (plan.get(uid)?.admitted && !reserved.has(uid) && !holdsSlot(obj as OrchestrationRun)) keys.push(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
      }
      return keys;
    },
    /** This process is starting the run: it holds its slot from now on, before the cache can show it. */
    reserve(uid: string): void {
      if (!reserved.has(uid)) reserved.set(uid, now());
      plan = undefined;
    },
  };
}
export type RunQueue = ReturnType<typeof createRunQueue>;

