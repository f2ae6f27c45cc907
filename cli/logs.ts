/**
 * `kubectl orch logs`: a Job step's Pod logs (found by the run-uid and step labels every Job Pod carries,
 * core/job-step.ts), and for any other step what its status says it produced (output) or why it failed.
 */
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { ApiException, Log, type V1Pod } from '@kubernetes/client-node';
import { JobLabels, STEP_CONTAINER } from '../core/job-step.js';
import { ORCHESTRATION_RUN_PLURAL } from '../core/api/names.js';
import type { StepStatus } from '../core/index.js';
import { CliError, explain, type Cluster } from './kube.js';
import type { RunObject } from './tree.js';

/** A step's Pods, oldest attempt first. */
async function stepPods(cluster: Cluster, namespace: string, uid: string, step: string): Promise<V1Pod[]> {
  try {
    const pods = await cluster.core().listNamespacedPod({ namespace, labelSelector: `${JobLabels.runUid}=${uid},${JobLabels.step}=${step}` });
    const attempt = (p: V1Pod) => Number(p.metadata?.labels?.[JobLabels.attempt] ?? 0);
    return pods.items.sort((a, b) => attempt(a) - attempt(b) || String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)));
  } catch (err) {
    throw explain(err, { verb: 'list', plural: 'pods', namespace, server: cluster.server });
  }
}

/** What the status holds for a step that has no Pod: its output, or its reason and message. */
export function statusLines(step: StepStatus): string[] {
  if (step.output !== undefined) return step.output.split('\n');
  if (step.message !== undefined) return [`${step.phase}${step.reason ? ` ${step.reason}` : ''}: ${step.message}`];
  return [`${step.phase}${step.reason ? ` ${step.reason}` : ''} (no output)`];
}

/** A log read whole is held in memory: at most this much of it, the rest left to `kubectl logs`. */
export const LOG_READ_MAX_BYTES = 32 * 1024 * 1024;

/** A Pod's log read to its end: one request whose error (a 400 with the kubelet's reason) says what went wrong. */
async function readLog(cluster: Cluster, namespace: string, pod: string, write: (text: string) => void, note: (text: string) => void): Promise<void> {
  let text: string;
  try {
    text = await cluster.core().readNamespacedPodLog({ name: pod, namespace, container: STEP_CONTAINER, limitBytes: LOG_READ_MAX_BYTES });
  } catch (err) {
    throw explain(err, { verb: 'get', plural: 'pods/log', name: pod, namespace, server: cluster.server });
  }
  write(text);
  if (Buffer.byteLength(text) >= LOG_READ_MAX_BYTES) note(`the log of pod ${pod} is cut at ${LOG_READ_MAX_BYTES / 1024 / 1024} MiB; kubectl logs -n ${namespace} ${pod} -c ${STEP_CONTAINER} reads it all\n`);
}

/** A container still being created has no log yet: the apiserver answers 400 until it starts. */
const NOT_STARTED_RETRY_MS = 1000;
/** Waiting reasons that end by themselves; any other (ErrImagePull, CreateContainerConfigError…) is told, not waited out. */
const STARTING_REASONS = new Set(['ContainerCreating', 'PodInitializing']);

async function podLog(cluster: Cluster, namespace: string, pod: string, follow: boolean, write: (text: string) => void, note: (text: string) => void): Promise<void> {
  if (!follow) return readLog(cluster, namespace, pod, write, note);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      write(chunk.toString());
      done();
    },
  });
  const finished = new Promise<void>((resolve, reject) => {
    sink.on('finish', resolve);
    sink.on('error', reject);
  });
  let stream: AbortController;
  let told = false;
  for (;;) {
    try {
      stream = await new Log(cluster.kubeConfig).log(namespace, pod, STEP_CONTAINER, sink, { follow });
      break;
    } catch (err) {
      const current = err instanceof ApiException && err.code === 400 ? await readPod(cluster, namespace, pod) : undefined;
      if (current && podEnded(current)) return readLog(cluster, namespace, pod, write, note);
      const waiting = current && !containerStarted(current) ? waitingOf(current) : undefined;
      if (waiting && STARTING_REASONS.has(waiting.reason)) {
        if (!told) note(`waiting for pod ${pod} to start (${waiting.reason})…\n`);
        told = true;
        await delay(NOT_STARTED_RETRY_MS);
        continue;
      }
      if (waiting) throw new CliError(`pod ${pod} cannot start: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`);
      throw explain(err, { verb: 'get', plural: 'pods/log', name: pod, namespace, server: cluster.server });
    }
  }
  // The stream's end is not always told (a dropped connection is not passed on to the sink): the Pod is
  // looked at every second, and the stream closed once it has ended.
  await followUntilEnded(cluster, namespace, pod, finished, stream);
}

/** Why the step's container has not started: its waiting state, or ContainerCreating while it has none yet. */
function waitingOf(pod: V1Pod): { reason: string; message?: string } {
  const waiting = pod.status?.containerStatuses?.find((c) => c.name === STEP_CONTAINER)?.state?.waiting;
  if (!waiting?.reason) return { reason: pod.status?.initContainerStatuses?.some((c) => !c.state?.terminated) ? 'PodInitializing' : 'ContainerCreating' };
  return { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) };
}

async function readPod(cluster: Cluster, namespace: string, pod: string): Promise<V1Pod | undefined> {
  try {
    return await cluster.core().readNamespacedPod({ name: pod, namespace });
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw explain(err, { verb: 'get', plural: 'pods', name: pod, namespace, server: cluster.server });
  }
}

function containerStarted(pod: V1Pod): boolean {
  const state = pod.status?.containerStatuses?.find((c) => c.name === STEP_CONTAINER)?.state;
  return state?.running !== undefined || state?.terminated !== undefined;
}

/**
 * How long a followed stream may go on once its Pod has ended: a kubelet closes it within about a second of
 * the container's exit, while a node that cannot tell its container ended (KWOK's) never does.
 */
const FOLLOW_AFTER_END_MS = 3000;

/** Waits for a followed stream to end, and ends it once its Pod has ended and the stream has had its time. */
async function followUntilEnded(cluster: Cluster, namespace: string, pod: string, finished: Promise<void>, stream: AbortController): Promise<void> {
  let done = false;
  const settled = finished.finally(() => (done = true));
  for (;;) {
    await Promise.race([settled, delay(1000, undefined, { ref: false })]);
    if (done) return settled;
    let current: V1Pod | undefined;
    try {
      current = await readPod(cluster, namespace, pod);
    } catch (err) {
      stream.abort();
      throw err;
    }
    // A Pod deleted while followed (its Job's TTL, a cancelled run) has ended too.
    if (!current) {
      stream.abort();
      return;
    }
    if (podEnded(current)) {
      await Promise.race([settled, delay(FOLLOW_AFTER_END_MS, undefined, { ref: false })]);
      if (!done) stream.abort();
      return;
    }
  }
}

/**
 * Prints the logs of one step, or of every step in status order. A Pod whose logs cannot be read (a node
 * that serves none, a Pod gone with its Job's TTL) is named with the reason, and the step's status follows.
 */
export async function printLogs(cluster: Cluster, name: string, step: string | undefined, options: { follow: boolean }, out: (text: string) => void, err: (text: string) => void): Promise<void> {
  const run = (await cluster.get(ORCHESTRATION_RUN_PLURAL, name)) as unknown as RunObject;
  const steps = run.status?.steps ?? [];
  const chosen = step === undefined ? steps : steps.filter((s) => s.name === step);
  if (step !== undefined && chosen.length === 0) {
    throw new CliError(`run ${name} has no step ${step}${steps.length > 0 ? ` (its steps: ${steps.map((s) => s.name).join(', ')})` : ' (its status lists no steps yet)'}`);
  }
  const uid = run.metadata.uid ?? '';
  const prefix = step === undefined;
  for (const s of chosen) {
    const jobStep = s.jobName !== undefined || isJobStep(run, s.name);
    let pods = jobStep ? await stepPods(cluster, cluster.namespace, uid, s.name) : [];
    if (jobStep && options.follow && step !== undefined && pods.length === 0 && (s.phase === 'Pending' || s.phase === 'Running')) {
      err(`waiting for a Pod of step ${s.name}…\n`);
      pods = await firstPods(cluster, name, uid, s.name);
    }
    if (prefix) out(`==> ${s.name} (${s.phase}) <==\n`);
    if (pods.length === 0) {
      for (const line of statusLines(s)) out(`${line}\n`);
      continue;
    }
    for (const [i, pod] of pods.entries()) {
      const podName = pod.metadata?.name ?? '';
      if (pods.length > 1) out(`--- attempt ${pod.metadata?.labels?.[JobLabels.attempt] ?? '?'} (pod ${podName}) ---\n`);
      try {
        // Only the newest attempt can still be running; earlier ones, and a Pod that has ended, are read to
        // their end (a node that cannot tell its container ended, like KWOK's, would otherwise never close).
        await podLog(cluster, cluster.namespace, podName, options.follow && i === pods.length - 1 && !podEnded(pod), out, err);
      } catch (e) {
        err(`cannot read the logs of pod ${podName}: ${(e as Error).message}\n`);
        for (const line of statusLines(s)) out(`${line}\n`);
      }
    }
  }
}

/**
 * `logs -f` on a Job step that has no Pod yet: looks again every second until one exists or the step ended
 * without one. Pods are listed rather than watched: this runs once, for one person, not in a controller.
 */
async function firstPods(cluster: Cluster, name: string, uid: string, step: string): Promise<V1Pod[]> {
  for (;;) {
    await delay(1000);
    const pods = await stepPods(cluster, cluster.namespace, uid, step);
    if (pods.length > 0) return pods;
    const run = (await cluster.get(ORCHESTRATION_RUN_PLURAL, name)) as unknown as RunObject;
    const phase = run.status?.steps?.find((s) => s.name === step)?.phase;
    if (phase !== 'Pending' && phase !== 'Running') return [];
  }
}

function podEnded(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function isJobStep(run: RunObject, step: string): boolean {
  const all = [...(run.spec?.steps ?? []), ...(run.spec?.finally ?? [])] as { name: string; job?: unknown }[];
  return all.some((s) => s.name === step && s.job !== undefined);
}
