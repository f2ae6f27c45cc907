/**
 * Carries out decide-invalid.ts's actions: a status merge patch (status subresource), an Event, or letting
 * go of the finalizer. It needs only the object's identity, never its spec, so a run the schema rejects
 * still gets its status.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, ORCHESTRATION_KIND, ORCHESTRATION_PLURAL, ORCHESTRATION_RUN_PLURAL, RUNTIME_CLEANUP_FINALIZER } from '../core/index.js';
import { recordRunEvent } from '../activities/run-events.js';
import { rejectedForGood } from './reconcile-result.js';
import type { OrchestrationStatusAction, UnparsedRunAction } from './decide-invalid.js';

export interface ObjectIdentity {
  kind: 'OrchestrationRun' | 'Orchestration';
  namespace: string;
  name: string;
  uid: string;
  resourceVersion?: string;
  finalizers?: string[];
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function createValidityWriter(kubeConfig: KubeConfig, identity: string, onApiWrite?: (kind: string) => void) {
  const objects = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    /** Runs the actions in order; the first failure stops (the caller's reconcile retries). */
    async execute(target: ObjectIdentity, actions: readonly (UnparsedRunAction | OrchestrationStatusAction)[]): Promise<void> {
      const ref = { group: API_GROUP, version: API_VERSION, plural: target.kind === ORCHESTRATION_KIND ? ORCHESTRATION_PLURAL : ORCHESTRATION_RUN_PLURAL, namespace: target.namespace, name: target.name };
      // resourceVersion: a compare-and-swap against the object that was judged.
      const metadata = target.resourceVersion ? { resourceVersion: target.resourceVersion } : {};
      for (const action of actions) {
        try {
          switch (action.type) {
            case 'patchStatus':
              await objects.patchNamespacedCustomObjectStatus({ ...ref, body: { metadata, status: action.status } }, merge);
              break;
            case 'removeFinalizer':
              await objects.patchNamespacedCustomObject(
                { ...ref, body: { metadata: { ...metadata, finalizers: (target.finalizers ?? []).filter((f) => f !== RUNTIME_CLEANUP_FINALIZER) } } },
                merge,
              );
              break;
            case 'event':
              await recordRunEvent(core, target, { type: action.eventType, reason: action.reason, message: action.message }, 'orchestration-bridge', identity, target.kind);
              break;
          }
        } catch (err) {
          // Refused for good (400, 422): retrying the same write cannot help; reported, not retried.
          const terminal = rejectedForGood(err, `${action.type} for ${target.kind} ${target.namespace}/${target.name}`);
          if (terminal !== err) throw terminal;
          throw new Error(`could not ${action.type} ${target.kind} ${target.namespace}/${target.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        onApiWrite?.(action.type);
      }
    },
  };
}

export type ValidityWriter = ReturnType<typeof createValidityWriter>;
