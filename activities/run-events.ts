/** Kubernetes Events on an OrchestrationRun, as `kubectl describe orchrun` shows them. */
import type { CoreV1Api } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, ORCHESTRATION_RUN_KIND, type RunIdentity } from '../core/index.js';

export interface RunEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export async function recordRunEvent(core: CoreV1Api, run: RunIdentity, event: RunEvent, component: string, instance?: string): Promise<void> {
  const now = new Date();
  await core.createNamespacedEvent({
    namespace: run.namespace,
    body: {
      metadata: { generateName: `${run.name}.`, namespace: run.namespace },
      involvedObject: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: ORCHESTRATION_RUN_KIND, name: run.name, namespace: run.namespace, uid: run.uid },
      type: event.type,
      reason: event.reason,
      message: event.message,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      source: { component },
      reportingComponent: component,
      ...(instance ? { reportingInstance: instance } : {}),
    },
  });
}
