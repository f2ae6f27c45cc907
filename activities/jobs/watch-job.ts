/**
 * Waits on one Job with a watch (not a poll): resolves when the Job finishes, is deleted, or the watch
 * ends (the caller re-reads and watches again from the new resourceVersion).
 */
import { Watch, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { finishedCondition } from './outcome.js';

export type JobChange = { kind: 'finished'; job: V1Job } | { kind: 'deleted'; job: V1Job } | { kind: 'closed'; error?: unknown };

/** The server ends each watch after this long; the caller then re-reads the Job. */
const WATCH_SECONDS = 60;

export async function nextJobChange(kubeConfig: KubeConfig, namespace: string, name: string, resourceVersion: string, signal: AbortSignal): Promise<JobChange> {
  let settle!: (change: JobChange) => void;
  const settled = new Promise<JobChange>((resolve) => (settle = resolve));
  const request = await new Watch(kubeConfig).watch(
    `/apis/batch/v1/namespaces/${namespace}/jobs`,
    { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_SECONDS },
    (phase, obj: V1Job) => {
      if (phase === 'DELETED') settle({ kind: 'deleted', job: obj });
      else if ((phase === 'ADDED' || phase === 'MODIFIED') && finishedCondition(obj)) settle({ kind: 'finished', job: obj });
      else if (phase === 'ERROR') settle({ kind: 'closed', error: obj }); // e.g. 410 Gone: re-read and watch again
    },
    (error: unknown) => settle({ kind: 'closed', error }),
  );
  const abort = () => settle({ kind: 'closed' });
  signal.addEventListener('abort', abort, { once: true });
  try {
    return await settled;
  } finally {
    signal.removeEventListener('abort', abort);
    request.abort();
  }
}
