/** Status of an OrchestrationRun, written only by the bridge and its workflow. */
import { z } from 'zod';
import { CONDITION_TYPES, RUN_PHASES, STEP_PHASES } from './names.js';
import { CancellationPolicySchema } from './policy.js';
import { MAX_STEPS } from './step.js';
import { CANCEL_NOTE_MAX_BYTES } from '../cancel.js';
import { STATUS_MESSAGE_MAX_BYTES } from '../messages.js';

const Timestamp = z.string().meta({ format: 'date-time' });
const Count = z.int().min(0).max(1_000_000);

export const ConditionSchema = z.object({
  type: z.enum(CONDITION_TYPES),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().max(1024).optional(),
  message: z.string().max(STATUS_MESSAGE_MAX_BYTES).optional(),
  lastTransitionTime: Timestamp,
  observedGeneration: z.int().min(0).optional(),
});
export type Condition = z.infer<typeof ConditionSchema>;

/** Conditions keyed by type, as Kubernetes lists them. */
export const ConditionListSchema = z.array(ConditionSchema).max(8).meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });

/** One step's entry; optional fields are omitted rather than written empty, to keep 5,000 steps small. */
export const StepStatusSchema = z.object({
  name: z.string().max(63),
  phase: z.enum(STEP_PHASES),
  reason: z.string().max(256).optional(),
  message: z.string().max(4096).optional(),
  attempts: z.int().min(0).max(1000).optional(),
  startTime: Timestamp.optional(),
  completionTime: Timestamp.optional(),
  jobName: z.string().max(63).optional(),
  childRun: z.string().max(253).optional().describe('An orchestration step: the child OrchestrationRun it runs, in the same namespace.'),
  output: z.string().max(4096).optional(),
  finally: z.boolean().optional().describe('A finally step: it ran (or waits to run) after the DAG ended.'),
  approvedBy: z.string().max(512).optional().describe('An approval step: who approved it (spec:<field manager> or temporal:<identity>).'),
  rejectedBy: z.string().max(512).optional().describe('An approval step: who rejected it.'),
  reused: z.boolean().optional().describe('Not run: it Succeeded in the run this one resumes (resumeFrom), with the same definition; its output is that run\'s.'),
});
export type StepStatus = z.infer<typeof StepStatusSchema>;

export const StepCountsSchema = z.object({
  total: Count,
  pending: Count,
  running: Count,
  succeeded: Count,
  failed: Count,
  skipped: Count,
  cancelled: Count,
});
export type StepCounts = z.infer<typeof StepCountsSchema>;

export const TemporalRefSchema = z.object({
  namespace: z.string(),
  workflowId: z.string(),
  runId: z.string().optional(),
  taskQueue: z.string(),
  uiUrl: z.string().optional(),
});
export type TemporalRef = z.infer<typeof TemporalRefSchema>;

export const RETENTION_SOURCES = ['ttlSecondsAfterSuccess', 'ttlSecondsAfterFailure', 'ttlSecondsAfterFinished', 'Orchestration', 'JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS'] as const;

export const RetentionStatusSchema = z
  .object({
    deleteAt: Timestamp.describe('When the bridge deletes this finished run.'),
    ttlSeconds: z.int().min(0),
    source: z.enum(RETENTION_SOURCES).describe('The setting in force: a field of the run, its Orchestration, or the bridge default.'),
  })
  .describe('Set once a run with a retention has finished.');
export type RetentionStatus = z.infer<typeof RetentionStatusSchema>;

export const OrchestrationRunStatusSchema = z.object({
  phase: z.enum(RUN_PHASES).optional(),
  observedGeneration: z.int().min(0).optional(),
  startTime: Timestamp.optional(),
  completionTime: Timestamp.optional(),
  message: z.string().max(STATUS_MESSAGE_MAX_BYTES).optional(),
  cancelledBy: z.string().max(512).optional(),
  cancelReason: z
    .string()
    .max(CANCEL_NOTE_MAX_BYTES)
    .optional()
    .describe('Why the run was cancelled, in the words of who asked: the cancel-reason annotation beside spec.cancel, recorded with the request.'),
  resumedFrom: z
    .object({ name: z.string().max(253), uid: z.string().max(128), workflowId: z.string().max(1024) })
    .optional()
    .describe('The run this one resumes (spec.resumeFrom), as it was when this one started.'),
  suspendedBy: z.string().max(512).optional().describe('While Suspended=True: who suspended the run (spec:<field manager> or temporal:<identity>).'),
  queue: z
    .object({
      position: z.int().min(1).max(1_000_000).describe('1: the next run to start when the limit that holds it frees a slot.'),
      of: z.int().min(1).max(1_000_000).describe('Runs queued behind that limit, this one included.'),
      heldBy: z.string().max(512).describe('The limit that holds the run, e.g. "Orchestration nightly concurrency.max=2".'),
      since: Timestamp.describe('When the run was first queued.'),
      lastUpdateTime: Timestamp.describe('When position was last written; it may lag the queue by up to 10 s (longer queues: up to 60 s).'),
    })
    .optional()
    .describe('While the run waits for a concurrency slot (Ready=False/Queued): its place in the queue, refreshed as the queue moves.'),
  progress: z.string().max(32).optional().describe('Steps done/total, for kubectl get.'),
  temporal: TemporalRefSchema.optional(),
  retention: RetentionStatusSchema.optional(),
  cancellationPolicy: CancellationPolicySchema.optional().describe('The cancellation policy in force, fixed when the run started (run over Orchestration).'),
  stepCounts: StepCountsSchema.optional(),
  steps: z.array(StepStatusSchema).max(MAX_STEPS).optional(),
  stepsOmitted: z
    .int()
    .min(1)
    .max(MAX_STEPS)
    .optional()
    .describe('Step entries left out of steps so the object fits etcd\'s size limit (steps that did not succeed are kept first); stepCounts counts every step.'),
  conditions: ConditionListSchema.optional(),
});
export type OrchestrationRunStatus = z.infer<typeof OrchestrationRunStatusSchema>;
