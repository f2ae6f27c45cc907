/**
 * Suspend, resume and approvals of a running run: from the spec (the bridge's spec-controls signal, naming
 * the field manager) or from Temporal (updates, naming the caller's identity). The state is carried across
 * continue-as-new; the status shows it (condition Suspended, suspendedBy, steps' approvedBy/rejectedBy).
 */
import { ApplicationFailure, currentUpdateInfo, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ApprovalDecision, RunControlsState } from '../core/workflow-safe.js';
import type { ControlActivities } from '../activities/index.js';
import { approveUpdate, rejectUpdate, resumeUpdate, specControlsSignal, suspendUpdate, type ControlResult, type SpecControls, type StepRef } from './definitions.js';
import { APPROVAL_STEPS, RUN_SUSPEND } from './patches.js';
import { now } from './step-context.js';

/**
 * suspended and suspendedBy; changedAt: when the last suspend or resume took effect (undefined: never, and the
 * status shows no Suspended condition); resumedBy; specSuspend: the spec.suspend value last taken from the
 * spec; decisions on approval steps by step name, also those made before the step started.
 */
export type ControlsState = RunControlsState;

export const initialControls = (): ControlsState => ({ suspended: false, decisions: {} });

const { updateCaller: callerOf } = proxyActivities<ControlActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '500 milliseconds' },
  summary: 'who sent this update',
});

/** The identity of the caller of the update being handled, from its accepted event. */
async function caller(): Promise<string> {
  const info = workflowInfo();
  const update = currentUpdateInfo();
  if (!update) return 'temporal:unknown';
  return callerOf({ workflowId: info.workflowId, runId: info.runId, updateId: update.id }).catch(() => 'temporal:unknown');
}

const stepOf = (ref: StepRef | undefined): string => (typeof ref === 'string' ? ref : (ref?.step ?? ''));

export interface ControlsHost {
  /** Approval steps of the run (DAG and finally), by name. */
  approvalSteps: ReadonlySet<string>;
  /** Whether the run still runs: a finished run takes no control. */
  open: () => boolean;
  /** Called after every change, to wake the run's loop and write the status. */
  changed: () => void;
}

/** Registers the signal and the updates on `state`; returns how the spec's controls apply (the signal's handler). */
export function registerControls(state: ControlsState, host: ControlsHost): (controls: SpecControls) => void {
  // Each effect is behind its patch: a history recorded by a worker without these handlers (a signal the
  // bridge sent it stayed unhandled) replays with the signal changing nothing, as it did then.
  const setSuspended = (value: boolean, by: string): void => {
    if (state.suspended === value || !patched(RUN_SUSPEND)) return;
    state.suspended = value;
    state.changedAt = now();
    if (value) state.suspendedBy = by;
    else {
      delete state.suspendedBy;
      state.resumedBy = by;
    }
    host.changed();
  };
  const decide = (step: string, decision: ApprovalDecision, by: string): boolean => {
    if (!host.approvalSteps.has(step) || state.decisions[step] || !patched(APPROVAL_STEPS)) return false;
    state.decisions[step] = { decision, by, at: now() };
    host.changed();
    return true;
  };
  const result = (extra: Partial<ControlResult> = {}): ControlResult => ({ suspended: state.suspended, ...(state.suspendedBy ? { suspendedBy: state.suspendedBy } : {}), ...extra });

  const applySpec = (controls: SpecControls): void => {
    if (controls.suspend && controls.suspend.value !== state.specSuspend && patched(RUN_SUSPEND)) {
      state.specSuspend = controls.suspend.value;
      setSuspended(controls.suspend.value, controls.suspend.by);
    }
    for (const { step, decision, by } of controls.approvals ?? []) decide(step, decision, by);
  };
  setHandler(specControlsSignal, applySpec);

  const openOnly = () => {
    if (!host.open()) throw ApplicationFailure.nonRetryable('the run has ended', 'RunEnded');
  };
  // Any input is accepted and ignored: the UI and the CLI may send one.
  const suspension = (value: boolean) => async (..._input: unknown[]) => {
    setSuspended(value, await caller());
    return result();
  };
  setHandler(suspendUpdate, suspension(true), { validator: (..._input: unknown[]) => openOnly() });
  setHandler(resumeUpdate, suspension(false), { validator: (..._input: unknown[]) => openOnly() });
  const decisionHandler = (decision: ApprovalDecision) => ({
    handler: async (ref: StepRef) => {
      const step = stepOf(ref);
      const by = await caller();
      // Decided meanwhile (the spec, another update): the first decision stands, and says so.
      if (!decide(step, decision, by)) return result({ step, ...state.decisions[step] });
      return result({ step, decision, by });
    },
    validator: (ref: StepRef) => {
      openOnly();
      const step = stepOf(ref);
      if (!host.approvalSteps.has(step)) {
        const names = [...host.approvalSteps];
        throw ApplicationFailure.nonRetryable(`"${step}" is not an approval step of this run${names.length > 0 ? `; its approval steps: ${names.join(', ')}` : '; it has none'}`, 'NotAnApprovalStep');
      }
      const made = state.decisions[step];
      if (made) throw ApplicationFailure.nonRetryable(`step "${step}" was already ${made.decision.toLowerCase()} by ${made.by}`, 'AlreadyDecided');
    },
  });
  const approve = decisionHandler('Approved');
  const reject = decisionHandler('Rejected');
  setHandler(approveUpdate, approve.handler, { validator: approve.validator });
  setHandler(rejectUpdate, reject.handler, { validator: reject.validator });
  return applySpec;
}
