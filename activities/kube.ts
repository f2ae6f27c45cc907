/** Small shared pieces for talking to the Kubernetes API about OrchestrationRuns. */
import { API_GROUP, API_VERSION, ORCHESTRATION_RUN_PLURAL } from '../core/index.js';

/** The CustomObjectsApi arguments that address one OrchestrationRun. */
export function runObjectRef(run: { namespace: string; name: string }) {
  return { group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_RUN_PLURAL, namespace: run.namespace, name: run.name };
}

/** True for client-node's error on a 404 answer. */
export function isNotFound(err: unknown): boolean {
  return apiStatus(err) === 404;
}

/** The HTTP status of client-node's error, if it is one. */
export function apiStatus(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number' ? err.code : undefined;
}

/** The body of client-node's error as an object (a Status, as the apiserver sends it), if it has one. */
export function apiErrorBody(err: unknown): Record<string, unknown> | undefined {
  const body: unknown = typeof err === 'object' && err !== null && 'body' in err ? err.body : undefined;
  const parsed: unknown = typeof body === 'string' ? safeJson(body) : body;
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
}

/** The apiserver's own message (a Status object's `message`), else the error's text. */
export function apiErrorMessage(err: unknown): string {
  const message = apiErrorBody(err)?.message;
  if (typeof message === 'string') return message;
  return err instanceof Error ? err.message : String(err);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
