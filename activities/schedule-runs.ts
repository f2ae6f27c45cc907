/**
 * What a schedule's firing does in Kubernetes: make the run (owned by the schedule, labelled with it, named
 * after the firing so a retry finds it), wait for it to end, and ask it to cancel when the overlap policy
 * cancels the firing.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  API_GROUP,
  API_GROUP_VERSION,
  API_VERSION,
  isTerminalPhase,
  ORCHESTRATION_RUN_KIND,
  ORCHESTRATION_SCHEDULE_KIND,
  ORCHESTRATION_SCHEDULE_PLURAL,
  ScheduleAnnotations,
  scheduleCanceller,
  scheduledRunName,
  ScheduleLabels,
  type RunPhase,
} from '../core/index.js';
import { apiErrorMessage, apiStatus, isNotFound, runObjectRef } from './kube.js';

/** The error type of a firing that cannot make its run (the name is taken by another object, the run is invalid). */
export const SCHEDULED_RUN_REFUSED = 'ScheduledRunRefused';
/** How often a firing looks at its run while it waits for the end. */
const POLL_MS = 1000;

export interface ScheduledRunInput {
  namespace: string;
  schedule: string;
  scheduleUid: string;
  /** RFC 3339: the firing's scheduled time (Temporal's TemporalScheduledStartTime). */
  scheduledTime: string;
  firingWorkflowId: string;
}

export type ScheduledRunCreated = { run: string } | { skipped: string };
/** How the run ended, or Deleted when it went before it ended. */
export type ScheduledRunEnd = RunPhase | 'Deleted';

interface ScheduleObject {
  metadata: { uid: string; deletionTimestamp?: string };
  spec: { orchestrationRef: { name: string }; parameters?: Record<string, string> };
}
interface RunObject {
  metadata: { uid: string; labels?: Record<string, string>; ownerReferences?: { uid: string }[] };
  status?: { phase?: RunPhase };
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function createScheduleActivities(kubeConfig: KubeConfig) {
  const objects = kubeConfig.makeApiClient(CustomObjectsApi);
  const getRun = (namespace: string, name: string) => objects.getNamespacedCustomObject(runObjectRef({ namespace, name })) as Promise<RunObject>;

  return {
    /** Makes the firing's run from the schedule as it is now; a schedule gone or replaced makes none. */
    async createScheduledRun(input: ScheduledRunInput): Promise<ScheduledRunCreated> {
      let schedule: ScheduleObject;
      try {
        schedule = (await objects.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_SCHEDULE_PLURAL, namespace: input.namespace, name: input.schedule })) as ScheduleObject;
      } catch (err) {
        if (isNotFound(err)) return { skipped: `schedule ${input.namespace}/${input.schedule} no longer exists` };
        throw err;
      }
      if (schedule.metadata.uid !== input.scheduleUid) return { skipped: `schedule ${input.namespace}/${input.schedule} was replaced (uid ${schedule.metadata.uid})` };
      if (schedule.metadata.deletionTimestamp) return { skipped: `schedule ${input.namespace}/${input.schedule} is being deleted` };
      const name = scheduledRunName(input.schedule, input.scheduledTime);
      const body = {
        apiVersion: API_GROUP_VERSION,
        kind: ORCHESTRATION_RUN_KIND,
        metadata: {
          name,
          namespace: input.namespace,
          labels: { [ScheduleLabels.schedule]: input.schedule },
          annotations: { [ScheduleAnnotations.scheduledTime]: input.scheduledTime, [ScheduleAnnotations.firingWorkflowId]: input.firingWorkflowId },
          ownerReferences: [{ apiVersion: API_GROUP_VERSION, kind: ORCHESTRATION_SCHEDULE_KIND, name: input.schedule, uid: input.scheduleUid, controller: true }],
        },
        spec: { orchestrationRef: schedule.spec.orchestrationRef, ...(schedule.spec.parameters ? { parameters: schedule.spec.parameters } : {}) },
      };
      try {
        await objects.createNamespacedCustomObject({ ...runObjectRef({ namespace: input.namespace, name }), body });
        return { run: name };
      } catch (err) {
        const code = apiStatus(err);
        if (code === 409) {
          // An earlier attempt of this firing made it (its reply was lost): the same run, not a second one.
          const existing = await getRun(input.namespace, name);
          if (existing.metadata.ownerReferences?.some((o) => o.uid === input.scheduleUid)) return { run: name };
          throw ApplicationFailure.create({ type: SCHEDULED_RUN_REFUSED, nonRetryable: true, message: `run ${input.namespace}/${name} exists and was not made by schedule ${input.schedule}` });
        }
        if (code === 400 || code === 422) {
          throw ApplicationFailure.create({ type: SCHEDULED_RUN_REFUSED, nonRetryable: true, message: `the apiserver refused run ${input.namespace}/${name} of schedule ${input.schedule}: ${apiErrorMessage(err)}` });
        }
        throw err;
      }
    },

    /** Waits, heartbeating, until the run has ended (or is gone); a cancel of the firing reaches it through the heartbeat. */
    async awaitScheduledRun(input: { namespace: string; run: string }): Promise<ScheduledRunEnd> {
      const ctx = Context.current();
      for (;;) {
        ctx.heartbeat();
        try {
          const phase = (await getRun(input.namespace, input.run)).status?.phase;
          if (isTerminalPhase(phase)) return phase;
        } catch (err) {
          if (isNotFound(err)) return 'Deleted';
          throw err;
        }
        await ctx.sleep(POLL_MS);
      }
    },

    /** Asks the run to cancel as by the schedule; its own reconcile carries it out (cancelledBy schedule:<name>). */
    async requestScheduledRunCancel(input: { namespace: string; run: string; schedule: string }): Promise<void> {
      try {
        await objects.patchNamespacedCustomObject(
          { ...runObjectRef({ namespace: input.namespace, name: input.run }), body: { metadata: { annotations: { [ScheduleAnnotations.cancelRequestedBy]: scheduleCanceller(input.schedule) } } } },
          merge,
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

export type ScheduleActivities = ReturnType<typeof createScheduleActivities>;
