/**
 * Following a run until it ends: client-node's Watch on the one object (a fieldSelector on its name), started
 * again from a fresh read whenever the apiserver closes it, as watches are closed every few minutes.
 */
import { Watch } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, isTerminalPhase, ORCHESTRATION_RUN_PLURAL } from '../core/api/names.js';
import { CliError, type Cluster } from './kube.js';
import { changes, renderRun, type RunObject } from './tree.js';

/** Exit codes of `submit --watch` and `wait`: the run's end. */
export const PHASE_EXIT: Record<'Succeeded' | 'Failed' | 'Cancelled', number> = { Succeeded: 0, Failed: 1, Cancelled: 2 };

/** Calls `seen` with each new state of the run; resolves with the run once it is Succeeded, Failed or Cancelled. */
export async function followRun(cluster: Cluster, name: string, seen: (run: RunObject) => void, namespace = cluster.namespace): Promise<RunObject> {
  const watch = new Watch(cluster.kubeConfig);
  const path = `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${ORCHESTRATION_RUN_PLURAL}`;
  let failures = 0;
  for (;;) {
    const current = (await cluster.get(ORCHESTRATION_RUN_PLURAL, name, namespace)) as unknown as RunObject & { metadata: { resourceVersion?: string } };
    seen(current);
    if (isTerminalPhase(current.status?.phase)) return current;
    const ended = await watchOnce(watch, path, name, current.metadata.resourceVersion, seen);
    if (ended instanceof CliError) throw ended;
    if (ended instanceof Error) {
      // A closed watch is normal (the apiserver ends them); one that keeps failing is not.
      if (++failures >= 5) throw new CliError(`cannot watch run ${name}: ${ended.message}`);
      continue;
    }
    failures = 0;
    if (ended !== 'closed') return ended;
  }
}

/** One watch request: the run once it ended, 'closed' when the apiserver ended the watch, or its error. */
function watchOnce(watch: Watch, path: string, name: string, resourceVersion: string | undefined, seen: (run: RunObject) => void): Promise<RunObject | 'closed' | Error> {
  return new Promise((resolve) => {
    let settled = false;
    let controller: AbortController | undefined;
    const settle = (value: RunObject | 'closed' | Error) => {
      if (settled) return;
      settled = true;
      controller?.abort();
      resolve(value);
    };
    watch
      .watch(
        path,
        { fieldSelector: `metadata.name=${name}`, allowWatchBookmarks: true, ...(resourceVersion ? { resourceVersion } : {}) },
        (type, obj: RunObject) => {
          if (type === 'DELETED') return settle(new CliError(`run ${name} was deleted before it ended`));
          if (type !== 'ADDED' && type !== 'MODIFIED') return;
          seen(obj);
          if (isTerminalPhase(obj.status?.phase)) settle(obj);
        },
        (err: unknown) => settle(err ? (err instanceof Error ? err : new Error(JSON.stringify(err))) : 'closed'),
      )
      .then((started) => {
        controller = started;
        if (settled) started.abort();
      })
      .catch((err: unknown) => settle(err instanceof Error ? err : new Error(String(err))));
  });
}

/**
 * What a watch prints: on a terminal the whole tree, redrawn in place; otherwise one plain line per change,
 * so a log or a pipe gets a readable history.
 */
export function printer(out: NodeJS.WriteStream, now: () => number = Date.now) {
  let previous: RunObject | undefined;
  let drawn = 0;
  const tty = out.isTTY === true;
  return {
    show(run: RunObject) {
      if (tty) {
        const lines = renderRun(run, now());
        // Move up over the last drawing (a line longer than the terminal is wide took more than one row; the
        // UI link is not cut, so it stays whole to click) and clear to the end of the screen, then draw again.
        out.write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
        const width = out.columns > 0 ? out.columns : Infinity;
        drawn = lines.reduce((rows, line) => rows + Math.max(1, Math.ceil([...line].length / width)), 0);
      } else {
        for (const line of changes(previous, run)) out.write(`${line}\n`);
      }
      previous = run;
    },
    /** A terminal gets a last full tree; a pipe gets the tree once at the end too. */
    finish(run: RunObject) {
      if (!tty) out.write(`${renderRun(run, now()).join('\n')}\n`);
    },
  };
}
