/** Kubernetes-style conditions: set one, keeping lastTransitionTime unless its status changes. Pure. */
import type { Condition } from './api/index.js';

export function setCondition(conditions: readonly Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const list = [...(conditions ?? [])];
  const at = list.findIndex((c) => c.type === next.type);
  const previous = at >= 0 ? list[at] : undefined;
  const merged: Condition = { ...next, lastTransitionTime: previous && previous.status === next.status ? previous.lastTransitionTime : now };
  if (at >= 0) list[at] = merged;
  else list.push(merged);
  return list;
}

export function conditionOf(conditions: readonly Condition[] | undefined, type: Condition['type']): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
