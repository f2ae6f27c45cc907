/**
 * What a job step's Job looks like: its deterministic name, its labels and its manifest. Pure, so the
 * worker that creates the Job, the bridge that deletes a run's Jobs and the tests agree on every name.
 */
import { API_GROUP, API_GROUP_VERSION, MANAGED_BY_LABEL, ORCHESTRATION_RUN_KIND } from './api/names.js';
import type { JobStep } from './api/job-step.js';
import type { RunIdentity } from './run-snapshot.js';

/** Labels on every Job and Pod of a step; `kubectl get jobs -l orchestration.proompteng.ai/run-uid=<uid>` lists a run's. */
export const JobLabels = {
  runUid: `${API_GROUP}/run-uid`,
  run: `${API_GROUP}/run`,
  step: `${API_GROUP}/step`,
  attempt: `${API_GROUP}/attempt`,
  managedBy: MANAGED_BY_LABEL,
} as const;
/** The run's full name, also when it is too long for a label value. */
export const RUN_NAME_ANNOTATION = `${API_GROUP}/run-name`;
export const JOB_MANAGER = 'orchestration-bridge';
/** Name of the step's container in the Job's Pod. */
export const STEP_CONTAINER = 'step';
/** Default of JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS: how long a finished Job stays for its outcome to be read. */
export const DEFAULT_JOB_TTL_SECONDS = 600;

const MAX_NAME = 63;

/** FNV-1a, 32 bits: a short stable digest; it disambiguates, it does not protect anything. */
export function digest(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, '0');
}

/**
 * `<run>-<step>-<digest>-<attempt>`, a DNS-1123 label of at most 63 characters. The digest covers the
 * run's uid, so a run recreated under the same name never meets the Jobs of its predecessor, and the step
 * name, so two steps whose names are cut to the same prefix still differ. One name per attempt: an
 * activity retried within an attempt finds the Job its earlier try created.
 */
export function jobNameFor(run: Pick<RunIdentity, 'name' | 'uid'>, step: string, attempt: number): string {
  const suffix = `-${digest(`${run.uid}/${step}`)}-${attempt}`;
  const prefix = `${run.name}-${step}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, MAX_NAME - suffix.length)
    .replace(/-+$/, '');
  return `${prefix}${suffix}`;
}

/** A label value is at most 63 characters; a longer run name is only in the annotation. */
function labelValue(value: string): string | undefined {
  return value.length <= 63 ? value : undefined;
}

export function jobLabels(run: Pick<RunIdentity, 'name' | 'uid'>, step: string, attempt: number): Record<string, string> {
  const runName = labelValue(run.name);
  return {
    [JobLabels.runUid]: run.uid,
    ...(runName ? { [JobLabels.run]: runName } : {}),
    [JobLabels.step]: step,
    [JobLabels.attempt]: String(attempt),
    [JobLabels.managedBy]: JOB_MANAGER,
  };
}

/** Selects every Job of a run. */
export function runJobSelector(run: Pick<RunIdentity, 'uid'>): string {
  return `${JobLabels.runUid}=${run.uid}`;
}

type Quantities = Record<string, string | number>;

/** Quantities as the strings Kubernetes' typed clients expect: 2 → "2". */
function quantities(resources: { requests?: Quantities; limits?: Quantities }) {
  const strings = (q: Quantities | undefined) => (q ? Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)])) : undefined);
  return compact({ requests: strings(resources.requests), limits: strings(resources.limits) });
}

/** The object without its undefined fields: the manifest shows only what the step set. */
function compact<T extends Record<string, unknown>>(object: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

type EnvVar = NonNullable<JobStep['env']>[number];
type Volume = NonNullable<JobStep['volumes']>[number];


/** An env var as written, a divisor as a string: a reference stays a reference, the Pod resolves it. */
function envVar({ valueFrom, ...env }: EnvVar) {
  if (!valueFrom) return env;
  const { resourceFieldRef: ref, ...sources } = valueFrom;
  return { ...env, valueFrom: { ...sources, ...(ref ? { resourceFieldRef: { resource: ref.resource, ...compact({ containerName: ref.containerName, divisor: ref.divisor === undefined ? undefined : String(ref.divisor) }) } } : {}) } };
}

function volume({ emptyDir, ...v }: Volume) {
  return { ...v, ...(emptyDir ? { emptyDir: compact({ medium: emptyDir.medium, sizeLimit: emptyDir.sizeLimit === undefined ? undefined : String(emptyDir.sizeLimit) }) } : {}) };
}

/** The step's one container. */
function stepContainer(job: JobStep) {
  return {
    name: STEP_CONTAINER,
    image: job.image,
    ...compact({
      command: job.command,
      args: job.args,
      env: job.env?.map(envVar),
      envFrom: job.envFrom,
      resources: job.resources ? quantities(job.resources) : undefined,
      volumeMounts: job.volumeMounts,
      securityContext: job.securityContext,
    }),
    // The step's output: what the container writes to /dev/termination-log, else the log's tail on error.
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** The Pod-level fields the step set, spelled as in a PodSpec. */
function podFields(job: JobStep) {
  return compact({
    serviceAccountName: job.serviceAccountName,
    volumes: job.volumes?.map(volume),
    nodeSelector: job.nodeSelector,
    tolerations: job.tolerations,
    affinity: job.affinity,
    imagePullSecrets: job.imagePullSecrets,
    securityContext: job.podSecurityContext,
  });
}

export interface StepJobRequest {
  run: RunIdentity;
  step: string;
  attempt: number;
  /** The step's job, templates already substituted. */
  job: JobStep;
  timeoutSeconds: number;
  /** The Pod's terminationGracePeriodSeconds: time to stop after SIGTERM when the step is cancelled. */
  cancelGraceSeconds?: number;
}

/** The batch/v1 Job of one attempt, as plain JSON. */
export function stepJobManifest(request: StepJobRequest, ttlSecondsAfterFinished: number) {
  const { run, step, attempt, job } = request;
  const labels = jobLabels(run, step, attempt);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(run, step, attempt),
      namespace: run.namespace,
      labels,
      annotations: { [RUN_NAME_ANNOTATION]: run.name },
      // The run owns its Jobs: deleting the run lets the garbage collector delete them.
      ownerReferences: [{ apiVersion: API_GROUP_VERSION, kind: ORCHESTRATION_RUN_KIND, name: run.name, uid: run.uid, controller: true }],
    },
    spec: {
      // Temporal owns retries: one Pod per Job, one Job per attempt.
      backoffLimit: 0,
      activeDeadlineSeconds: request.timeoutSeconds,
      ttlSecondsAfterFinished,
      template: {
        // The controller's labels last: the schema refuses a step's label that would shadow one, and this
        // keeps a run's Pods found by them even for a spec that bypassed the schema.
        metadata: { labels: { ...job.labels, ...labels }, ...(job.annotations ? { annotations: job.annotations } : {}) },
        spec: {
          restartPolicy: 'Never',
          ...(request.cancelGraceSeconds !== undefined ? { terminationGracePeriodSeconds: request.cancelGraceSeconds } : {}),
          ...podFields(job),
          containers: [stepContainer(job)],
        },
      },
    },
  };
}
