/** Small shared pieces for talking to the Kubernetes API about OrchestrationRuns. */
import { API_GROUP, API_VERSION, ORCHESTRATION_RUN_PLURAL } from '../core/index.js';

/** The CustomObjectsApi arguments that address one OrchestrationRun. */
export function runObjectRef(run: { namespace: string; name: string }) {
  return { group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_RUN_PLURAL, namespace: run.namespace, name: run.name };
}

/** True for client-node's error on a 404 answer. */
export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 404;
}
