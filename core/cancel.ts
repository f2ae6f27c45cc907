/**
 * Cancellation of a run (seeds 000, 002, 003): who may ask, how the ask travels through Temporal, and how
 * the bridge reads it back. Temporal's history is the record: the bridge puts the reason and the requester
 * into the cancel request's `reason`, and reads them from the WorkflowExecutionCancelRequested event, so
 * a cancel from the UI or the CLI (no such reason) reads as TemporalCancel by its identity.
 */
import { API_GROUP, Reasons } from './api/names.js';
import { singleLine, truncateBytes } from './messages.js';
import type { OrchestrationRunStatus } from './api/orchestration-run-status.js';
import type { Condition } from './api/orchestration-run-status.js';
import { conditionOf, setCondition } from './conditions.js';

/** The reasons a cancel can have, besides the forced CancelTimeout. */
export type CancelReason =
  | typeof Reasons.SpecCancel
  | typeof Reasons.Retrigger
  | typeof Reasons.SourceRemoved
  | typeof Reasons.Deletion
  | typeof Reasons.ScheduleOverlap
  | typeof Reasons.ParentCancelled
  | typeof Reasons.TemporalCancel;

export interface CancelRequest {
  reason: CancelReason;
  /** Who asked: spec:<field manager>, retrigger:<run>, source-removed:<orchestration>, deletion, schedule:<schedule>, parent:<run>, temporal:<identity>. */
  cancelledBy: string;
  /** Why, in the asker's words: the cancel-reason annotation set with spec.cancel (`kubectl orch cancel --reason`). */
  note?: string;
}

/** Set beside spec.cancel: the reason the bridge says with the cancel (status message, Event, Temporal's cancel request). */
export const CANCEL_REASON_ANNOTATION = `${API_GROUP}/cancel-reason`;
/** A reason is one line of at most this many bytes: it goes into a status message and Temporal's history. */
export const CANCEL_NOTE_MAX_BYTES = 256;

/** The reason given with spec.cancel, as one bounded line; undefined when none (or only blanks) was given. */
export function cancelNote(metadata: { annotations?: Record<string, string> | undefined } | undefined): string | undefined {
  const raw = metadata?.annotations?.[CANCEL_REASON_ANNOTATION];
  const line = raw === undefined ? undefined : singleLine(raw);
  return line ? truncateBytes(line, CANCEL_NOTE_MAX_BYTES) : undefined;
}

/**
 * A new spec.cancel request with the reason its run gives (other requests carry none). Read once, when the
 * request is recorded (status.cancelReason); from then on the status is what every message says.
 */
export function withNote(request: CancelRequest, metadata: { annotations?: Record<string, string> | undefined } | undefined): CancelRequest {
  if (request.reason !== Reasons.SpecCancel) return request;
  const note = cancelNote(metadata);
  return note ? { ...request, note } : request;
}

/** "SpecCancel by spec:kubectl-orch: rollout stuck": a request as messages name it. */
export function describeCancel(request: CancelRequest): string {
  return `${request.reason} by ${request.cancelledBy}${request.note ? `: ${request.note}` : ''}`;
}

const BRIDGE_REASONS: readonly string[] = [Reasons.SpecCancel, Reasons.Retrigger, Reasons.SourceRemoved, Reasons.Deletion, Reasons.ScheduleOverlap];
const CAUSE_PREFIX = 'orchestration-bridge:';
/** A field manager's name may hold any printable character, never a line break; a note is one line. */
const NOTE_SEPARATOR = '\n';

/** The `reason` the bridge gives Temporal's cancel request (the UI shows it): who asked, and why if they said. */
export function cancelCause(request: CancelRequest): string {
  return `${CAUSE_PREFIX} ${request.reason} ${request.cancelledBy}${request.note ? `${NOTE_SEPARATOR}${request.note}` : ''}`;
}

/**
 * Reads a cancel-requested event back: the bridge's own cause; a parent run's workflow (`requestedBy`, its
 * workflow id) that cancelled its child; else a cancel from Temporal by its identity.
 */
export function cancelRequestFromHistory(cause: string | undefined, identity: string | undefined, requestedBy?: string): CancelRequest {
  const parent = /^orchestrationrun\/[^/]+\/([^/]+)\/[^/]+$/.exec(requestedBy ?? '');
  if (parent) return { reason: Reasons.ParentCancelled, cancelledBy: `parent:${parent[1]!}` };
  const match = /^orchestration-bridge: (\w+) ([^\n]+)(?:\n(.+))?$/s.exec(cause ?? '');
  if (match && BRIDGE_REASONS.includes(match[1]!)) return { reason: match[1] as CancelReason, cancelledBy: match[2]!, ...(match[3] ? { note: match[3] } : {}) };
  return { reason: Reasons.TemporalCancel, cancelledBy: `temporal:${identity || 'unknown'}` };
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  fieldsV1?: { 'f:spec'?: Record<string, unknown> };
}

/** The spec fields whose field manager the bridge records: who cancelled, suspended, approved. */
export const RECORDED_SPEC_FIELDS = ['cancel', 'suspend', 'approvals'] as const;

/**
 * The field manager that set spec.<field> (or the key `key` of that map field, e.g. approvals.go-live):
 * kubectl-patch, kubectl, kubectl-client-side-apply, a controller; from metadata.managedFields, the latest
 * one if several own it.
 */
export function specFieldManager(managedFields: unknown, field: (typeof RECORDED_SPEC_FIELDS)[number], key?: string): string {
  if (!Array.isArray(managedFields)) return 'unknown';
  const owners = (managedFields as ManagedFieldsEntry[]).filter((entry) => {
    const owned = entry.fieldsV1?.['f:spec']?.[`f:${field}`] as Record<string, unknown> | undefined;
    return owned !== undefined && (key === undefined || owned[`f:${key}`] !== undefined);
  });
  const latest = owners.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '')).at(-1);
  return latest?.manager ?? 'unknown';
}

/** The field manager that set spec.cancel. */
export function cancelFieldManager(managedFields: unknown): string {
  return specFieldManager(managedFields, 'cancel');
}

export interface PendingCancel extends CancelRequest {
  /** When the request was recorded on the run: the start of the cancel timeout. */
  requestedAt: string;
}

/** The cancel recorded on the run and not yet carried out: condition Cancelled=Unknown, and cancelledBy. */
export function pendingCancel(status: Pick<OrchestrationRunStatus, 'conditions' | 'cancelledBy' | 'cancelReason'> | undefined): PendingCancel | undefined {
  const condition = conditionOf(status?.conditions, 'Cancelled');
  if (condition?.status !== 'Unknown' || !condition.reason) return undefined;
  return { reason: condition.reason as CancelReason, cancelledBy: status?.cancelledBy ?? 'unknown', ...(status?.cancelReason ? { note: status.cancelReason } : {}), requestedAt: condition.lastTransitionTime };
}

/** The cancel the run's status records, asked for (Unknown) or done (True): its Cancelled condition and cancelledBy. */
export function recordedCancel(status: Pick<OrchestrationRunStatus, 'conditions' | 'cancelledBy' | 'cancelReason'> | undefined): CancelRequest | undefined {
  const condition = conditionOf(status?.conditions, 'Cancelled');
  if (!condition?.reason || condition.status === 'False' || !status?.cancelledBy) return undefined;
  return { reason: condition.reason as CancelReason, cancelledBy: status.cancelledBy, ...(status.cancelReason ? { note: status.cancelReason } : {}) };
}

/** The conditions of a run that ended Cancelled: Cancelled=True and Succeeded=False, for the same reason. */
export function cancelledConditions(conditions: readonly Condition[] | undefined, reason: string, message: string, at: string): Condition[] {
  const cancelled = setCondition(conditions, { type: 'Cancelled', status: 'True', reason, message }, at);
  return setCondition(cancelled, { type: 'Succeeded', status: 'False', reason, message }, at);
}

/** The message of a run that ended Cancelled once its steps stopped. */
export function cancelledMessage(request: CancelRequest): string {
  return `cancelled by ${request.cancelledBy} (${request.reason})${request.note ? `: ${request.note}` : ''}; the running steps stopped first`;
}
