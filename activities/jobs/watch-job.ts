/**
 * Waits on one Job with a watch (not a poll). The watch starts from a list's resourceVersion and carries
 * it forward through events and bookmarks, so a quiet long-running Job does not fall out of the
 * apiserver's watch cache; a 410 Gone or a closed watch lists again.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { BatchV1Api, Watch, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { finishedCondition } from './outcome.js';

export type JobChange = { kind: 'finished'; job: V1Job } | { kind: 'deleted'; job: V1Job } | { kind: 'closed'; error?: unknown };

/** The server ends each watch after this long; the caller then watches again from where it was. */
const WATCH_SECONDS = 60;
/** After a failed watch, before the caller lists again: a broken watch must not become a tight loop. */
const REWATCH_DELAY_MS = 1000;

export interface JobWatcher {
  /** The Job as listed now (undefined: it does not exist), and the list's resourceVersion. */
  list(): Promise<{ job: V1Job | undefined; resourceVersion: string }>;
  /**
   * The next change that matters from resourceVersion on; updates `resourceVersion` as events arrive. A
   * watch that failed returns `closed` with its error only after a short pause.
   */
  next(from: { resourceVersion: string }, signal: AbortSignal): Promise<JobChange>;
}

export function jobWatcher(kubeConfig: KubeConfig, namespace: string, name: string): JobWatcher {
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const path = `/apis/batch/v1/namespaces/${namespace}/jobs`;
  const fieldSelector = `metadata.name=${name}`;
  return {
    async list() {
      const listed = await batch.listNamespacedJob({ namespace, fieldSelector });
      return { job: listed.items[0], resourceVersion: listed.metadata?.resourceVersion ?? '' };
    },
    async next(from, signal) {
      if (signal.aborted) return { kind: 'closed' };
      let settle!: (change: JobChange) => void;
      const settled = new Promise<JobChange>((resolve) => (settle = resolve));
      const request = await new Watch(kubeConfig).watch(
        path,
        { fieldSelector, resourceVersion: from.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_SECONDS },
        (phase, obj: V1Job) => {
          if (phase === 'ERROR') return settle({ kind: 'closed', error: obj }); // e.g. 410 Gone: list again
          if (obj.metadata?.resourceVersion) from.resourceVersion = obj.metadata.resourceVersion;
          if (phase === 'DELETED') settle({ kind: 'deleted', job: obj });
          else if ((phase === 'ADDED' || phase === 'MODIFIED') && finishedCondition(obj)) settle({ kind: 'finished', job: obj });
        },
        (error: unknown) => settle({ kind: 'closed', ...(error ? { error } : {}) }),
      );
      const abort = () => settle({ kind: 'closed' });
      signal.addEventListener('abort', abort, { once: true });
      if (signal.aborted) abort();
      let change: JobChange;
      try {
        change = await settled;
      } finally {
        signal.removeEventListener('abort', abort);
        request.abort();
      }
      if (change.kind === 'closed' && change.error) await delay(REWATCH_DELAY_MS, undefined, { signal }).catch(() => undefined);
      return change;
    },
  };
}
