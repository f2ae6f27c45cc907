/** OrchestrationSchedule: an Orchestration run on a cron or an interval, mirrored into one Temporal Schedule. */
import { z } from 'zod';
import { ObjectMetaSchema } from './meta.js';
import { API_GROUP_VERSION, ORCHESTRATION_SCHEDULE_KIND, RUN_PHASES } from './names.js';
import { DEFAULT_FAILED_RUNS_HISTORY_LIMIT, DEFAULT_SUCCESSFUL_RUNS_HISTORY_LIMIT } from '../schedule.js';
import { ConditionListSchema } from './orchestration-run-status.js';
import { MAX_PARAMETERS } from './orchestration-run.js';
import { parametersSchema } from './step.js';

/** Temporal's overlap policies, in the CRD's spelling; the bridge maps them to ScheduleOverlapPolicy. */
export const OVERLAP_POLICIES = ['Skip', 'BufferOne', 'BufferAll', 'CancelOther', 'TerminateOther', 'AllowAll'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/**
 * A schedule's name is at most 52 characters (as a CronJob's): its runs are named `<name>-<unix seconds>`,
 * which must stay a 63-character label value (a run's Jobs carry it).
 */
export const MAX_SCHEDULE_NAME = 52;
/** Durations as Temporal's `ms` strings take them: one or more `<digits><unit>`, e.g. 10s, 5m, 1h30m. */
export const INTERVAL_PATTERN = /^([0-9]{1,9}(ms|s|m|h|d))+$/;
/** Entries of status.recentRuns and status.nextFireTimes, at most. */
export const MAX_RECENT_RUNS = 10;
export const MAX_NEXT_FIRE_TIMES = 5;

const seconds = (max: number) => z.int().min(0).max(max);

export const OrchestrationScheduleSpecSchema = z
  .object({
    schedule: z.string().min(1).max(256).optional().describe('A cron expression (5 fields, or Temporal\'s extensions such as @hourly). Exactly one of schedule or interval.'),
    interval: z
      .string()
      .regex(INTERVAL_PATTERN, 'interval must be a duration such as 10s, 5m, 1h30m')
      .max(64)
      .optional()
      .describe('Fire every this long: a duration such as 10s, 5m, 1h30m. Exactly one of schedule or interval.'),
    timeZone: z.string().min(1).max(128).optional().describe('IANA time zone of the cron expression, e.g. Europe/Paris. Default UTC.'),
    orchestrationRef: z.object({ name: z.string().min(1).max(253).describe('Name of an Orchestration in the schedule namespace.') }),
    parameters: parametersSchema(MAX_PARAMETERS, 'String parameters of each run, substituted as {{params.NAME}}.'),
    overlapPolicy: z.enum(OVERLAP_POLICIES).optional().describe('What a firing does while a run of the schedule is still active (Temporal\'s overlap policy, applied to runs). Default Skip.'),
    catchupWindowSeconds: seconds(31536000).min(10).optional().describe('Firings missed while Temporal was unavailable are taken if no later than this. Default 1 year (Temporal\'s).'),
    suspend: z.boolean().optional().describe('true pauses the Temporal Schedule, false unpauses it; applied when it changes, so a pause from the Temporal UI or CLI stands until then.'),
    jitterSeconds: seconds(86400).optional().describe('Each firing is delayed by a random time up to this. Default 0.'),
    successfulRunsHistoryLimit: seconds(1000).optional().describe(`Succeeded runs it made that are kept; older ones are deleted. Default ${DEFAULT_SUCCESSFUL_RUNS_HISTORY_LIMIT}.`),
    failedRunsHistoryLimit: seconds(1000).optional().describe(`Failed or Cancelled runs it made that are kept. Default ${DEFAULT_FAILED_RUNS_HISTORY_LIMIT}.`),
  })
  .refine((spec) => (spec.schedule === undefined) !== (spec.interval === undefined), { message: 'exactly one of schedule or interval must be set' })
  .meta({ 'x-kubernetes-validations': [{ rule: 'has(self.schedule) != has(self.interval)', message: 'exactly one of schedule or interval must be set' }] });
export type OrchestrationScheduleSpec = z.infer<typeof OrchestrationScheduleSpecSchema>;

const Timestamp = z.string().max(64).meta({ format: 'date-time' });

export const ScheduledRunSchema = z.object({
  name: z.string().max(253),
  scheduledTime: Timestamp.optional(),
  phase: z.enum(RUN_PHASES).optional(),
});
export type ScheduledRun = z.infer<typeof ScheduledRunSchema>;

/** Written only by the bridge. */
export const OrchestrationScheduleStatusSchema = z.object({
  observedGeneration: z.int().min(0).optional(),
  conditions: ConditionListSchema.optional(),
  temporal: z
    .object({ namespace: z.string().max(253), scheduleId: z.string().max(1024), uiUrl: z.string().max(2048).optional() })
    .optional()
    .describe('The Temporal Schedule this one is mirrored into.'),
  paused: z.boolean().optional().describe('Whether the Temporal Schedule is paused (by spec.suspend, the Temporal UI or CLI).'),
  pauseNote: z.string().max(1024).optional().describe('The note of the pause or unpause, as Temporal keeps it.'),
  appliedSuspend: z.boolean().optional().describe('The spec.suspend last applied to the Temporal Schedule: a pause or unpause is sent only when spec.suspend differs.'),
  nextFireTimes: z.array(Timestamp).max(MAX_NEXT_FIRE_TIMES).optional(),
  lastRun: ScheduledRunSchema.optional().describe('The run of the latest firing.'),
  recentRuns: z.array(ScheduledRunSchema).max(MAX_RECENT_RUNS).optional().describe('The runs it made that still exist, newest first.'),
});
export type OrchestrationScheduleStatus = z.infer<typeof OrchestrationScheduleStatusSchema>;

export const OrchestrationScheduleSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal(ORCHESTRATION_SCHEDULE_KIND),
  metadata: ObjectMetaSchema,
  spec: OrchestrationScheduleSpecSchema,
  status: OrchestrationScheduleStatusSchema.optional(),
});
export type OrchestrationSchedule = z.infer<typeof OrchestrationScheduleSchema>;
