/** Kubernetes Events on an OrchestrationRun, as `kubectl describe orchrun` shows them. */
import type { CoreV1Api } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, boundText, EVENT_MESSAGE_MAX_BYTES, ORCHESTRATION_RUN_KIND, type RunIdentity } from '../core/index.js';

export interface RunEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** Records an Event on a run (or, with `kind`, an Orchestration); the message is bounded (core/messages.ts). */
export async function recordRunEvent(core: CoreV1Api, run: RunIdentity, event: RunEvent, component: string, instance?: string, kind: string = ORCHESTRATION_RUN_KIND): Promise<void> {
  const now = new Date();
  await core.createNamespacedEvent({
    namespace: run.namespace,
    body: {
      metadata: { generateName: `${run.name}.`, namespace: run.namespace },
      involvedObject: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind, name: run.name, namespace: run.namespace, uid: run.uid },
      type: event.type,
      reason: event.reason,
      message: boundText(event.message, EVENT_MESSAGE_MAX_BYTES),
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      source: { component },
      reportingComponent: component,
      ...(instance ? { reportingInstance: instance } : {}),
    },
  });
}
