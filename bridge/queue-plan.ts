/**
 * Concurrency limits, pure: which waiting runs may start now and where the others stand in their queue.
 * Level-based: the plan is derived from the runs themselves (the informer cache), so a restarted bridge or
 * a new leader computes the same queue, and a run counts against its limits from the moment the bridge
 * records that it may start (Ready=False/Starting, written before its workflow is started) until it ends.
 */
import { isTerminalPhase, Reasons, type OrchestrationRun } from '../core/index.js';

/** One limit: every run whose `limits` names `key` counts against `max`. */
export interface Limit {
  key: string;
  max: number;
  /** How status.queue.heldBy names it, e.g. "Orchestration nightly concurrency.max=2". */
  name: string;
}

/** A run as the plan sees it. */
export interface QueueEntry {
  uid: string;
  /** namespace/name: also the last tie-break of the order. */
  key: string;
  created: string;
  priority: number;
  /** Keys of the limits that apply, most specific first (Orchestration, namespace, cluster). */
  limits: string[];
  /** Holds a slot (started, or recorded as starting); otherwise it waits. */
  active: boolean;
}

export type Admission =
  | { admitted: true }
  | {
      admitted: false;
      /** 1-based place among the runs that the same limit holds. */
      position: number;
      of: number;
      heldBy: string;
      /** Runs holding a slot of that limit now. */
      running: number;
    };

/** First the higher priority, then first-in first-out (creationTimestamp has whole seconds: then by name). */
export function queueOrder(a: QueueEntry, b: QueueEntry): number {
  return b.priority - a.priority || a.created.localeCompare(b.created) || a.key.localeCompare(b.key) || a.uid.localeCompare(b.uid);
}

/**
 * Walks the waiting runs in queue order and admits each one whose every limit has a free slot (the slot is
 * then taken); a run that does not fit is held by its first full limit and does not take a slot. So a run is
 * never passed by a later one of the same limits, and a run held by one limit does not block runs of others.
 */
export function planQueue(entries: readonly QueueEntry[], limits: ReadonlyMap<string, Limit>): Map<string, Admission> {
  const used = new Map<string, number>();
  for (const entry of entries) if (entry.active) for (const key of entry.limits) used.set(key, (used.get(key) ?? 0) + 1);
  const plan = new Map<string, Admission>();
  const queued = new Map<string, number>();
  const held: { uid: string; key: string; position: number }[] = [];
  for (const entry of entries.filter((e) => !e.active).sort(queueOrder)) {
    const full = entry.limits.find((key) => (used.get(key) ?? 0) >= (limits.get(key)?.max ?? Infinity));
    if (full === undefined) {
      for (const key of entry.limits) used.set(key, (used.get(key) ?? 0) + 1);
      plan.set(entry.uid, { admitted: true });
      continue;
    }
    const position = (queued.get(full) ?? 0) + 1;
    queued.set(full, position);
    held.push({ uid: entry.uid, key: full, position });
  }
  for (const { uid, key, position } of held) {
    const limit = limits.get(key)!;
    plan.set(uid, { admitted: false, position, of: queued.get(key)!, heldBy: limit.name, running: used.get(key) ?? 0 });
  }
  return plan;
}

/** A run the bridge recorded as starting (it holds its slot although its workflow may not be started yet). */
export function isStarting(run: Pick<OrchestrationRun, 'status'>): boolean {
  return run.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === Reasons.Starting) ?? false;
}

/** A run that holds a concurrency slot: started or starting, and not ended. */
export function holdsSlot(run: Pick<OrchestrationRun, 'status'>): boolean {
  return !isTerminalPhase(run.status?.phase) && (run.status?.temporal !== undefined || isStarting(run));
}

/** How long a queued run's shown position may lag: longer for long queues, so rewriting it stays bounded. */
export function queueRefreshMs(queued: number): number {
  return Math.min(60_000, Math.max(10_000, queued * 100));
}
