/**
 * Following a run until it ends with client-node's ListWatch on the one object (a fieldSelector on its name):
 * it lists, watches from that resourceVersion, watches again when the apiserver closes a watch (timeoutSeconds
 * bounds each one) and lists again on 410 Gone. What it leaves to its user is an error: a transient one (the
 * apiserver restarting, a dropped connection, 5xx, 429) is retried after a capped exponential pause for up to
 * RETRY_POLICY.giveUpAfterMs of failures in a row; any other is explained (`no access: you may not watch …`).
 */
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, isTerminalPhase, ORCHESTRATION_RUN_PLURAL } from '../core/api/names.js';
import { CliError, type Action, type Cluster } from './kube.js';
import { Backoff, RETRY_POLICY, realClock, withRetries, type Clock, type RetryPolicy } from './retry.js';
import { changes, renderRun, type RunObject } from './tree.js';

/** Exit codes of `submit --watch` and `wait`: the run's end. */
export const PHASE_EXIT: Record<'Succeeded' | 'Failed' | 'Cancelled', number> = { Succeeded: 0, Failed: 1, Cancelled: 2 };

/** The apiserver ends each watch after this long (it picks 5–10 min when not told); the client gives it a minute more. */
export const WATCH_TIMEOUT_SECONDS = 300;
const WATCH_GRACE_MS = 60_000;

export interface FollowOptions {
  policy?: RetryPolicy;
  clock?: Clock;
  /** One line when the apiserver starts failing (not on every retry), e.g. for stderr. */
  onRetry?: (message: string) => void;
}

/**
 * A Watch whose requests carry timeoutSeconds and bookmarks, are aborted by the client when nothing at all
 * (not even a bookmark) came for a minute past that (a connection the network dropped without a reset), and
 * report each sign of a working connection.
 */
class BoundedWatch extends Watch {
  constructor(
    config: KubeConfig,
    private readonly alive: () => void,
  ) {
    super(config);
  }

  override async watch(path: string, queryParams: Record<string, unknown>, callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void, done: (err: unknown) => void): Promise<AbortController> {
    let timer: NodeJS.Timeout | undefined;
    const controller = await super.watch(
      path,
      { ...queryParams, timeoutSeconds: WATCH_TIMEOUT_SECONDS, allowWatchBookmarks: true },
      (phase, obj, watchObj) => {
        this.alive();
        callback(phase, obj, watchObj);
      },
      (err: unknown) => {
        clearTimeout(timer);
        // A watch the apiserver ended after its timeout worked; one that failed did not.
        if (!err) this.alive();
        done(err);
      },
    );
    if (!controller.signal.aborted) {
      timer = setTimeout(() => controller.abort(), WATCH_TIMEOUT_SECONDS * 1000 + WATCH_GRACE_MS);
      timer.unref();
    }
    return controller;
  }
}

type Versioned = RunObject & KubernetesObject;

/** A failed list inside the informer, told apart from a failed watch so the message names the verb. */
class ListFailure extends Error {
  constructor(cause: unknown) {
    super('list failed', { cause });
  }
}

/** Calls `seen` with each new state of the run; resolves with the run once it is Succeeded, Failed or Cancelled. */
export async function followRun(cluster: Cluster, name: string, seen: (run: RunObject) => void, namespace = cluster.namespace, options: FollowOptions = {}): Promise<RunObject> {
  const policy = options.policy ?? RETRY_POLICY;
  const clock = options.clock ?? realClock;
  const action = (verb: string): Action => ({ verb, plural: ORCHESTRATION_RUN_PLURAL, name, namespace, server: cluster.server });
  const onRetry = (explained: Error, failures: number) => {
    if (failures === 1) options.onRetry?.(`retrying for up to ${Math.round(policy.giveUpAfterMs / 1000)} s: ${explained.message}`);
  };
  // A missing run is said as such (not found) before anything is watched.
  const current = (await withRetries(action('get'), () => cluster.get(ORCHESTRATION_RUN_PLURAL, name, namespace), policy, clock, onRetry)) as unknown as RunObject;
  seen(current);
  if (isTerminalPhase(current.status?.phase)) return current;

  const deleted = () => new CliError(`run ${name} was deleted in namespace ${namespace} before it ended`);
  const backoff = new Backoff(action('watch'), policy, clock, onRetry);
  return new Promise<RunObject>((resolve, reject) => {
    let done = false;
    const finish = (end: RunObject | Error) => {
      if (done) return;
      done = true;
      void informer.stop();
      if (end instanceof Error) reject(end);
      else resolve(end);
    };
    const fail = (e: unknown) => finish(e instanceof Error ? e : new Error(String(e)));
    const listFn = async (): Promise<KubernetesListObject<Versioned>> => {
      let list: KubernetesListObject<Versioned>;
      try {
        list = (await cluster.custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: ORCHESTRATION_RUN_PLURAL, fieldSelector: `metadata.name=${name}` })) as KubernetesListObject<Versioned>;
      } catch (err) {
        throw new ListFailure(err);
      }
      backoff.succeeded();
      // Gone between the first read and this list (or during an outage that outlived the watch cache).
      if (list.items.length === 0) finish(deleted());
      return list;
    };
    const informer = new ListWatch<Versioned>(
      `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${ORCHESTRATION_RUN_PLURAL}`,
      new BoundedWatch(cluster.kubeConfig, () => backoff.succeeded()),
      listFn,
      false,
      undefined,
      `metadata.name=${name}`,
    );
    const changed = (run: Versioned) => {
      if (done) return;
      seen(run);
      if (isTerminalPhase(run.status?.phase)) finish(run);
    };
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on('delete', () => finish(deleted()));
    informer.on('error', (err: unknown) => {
      // Stopping the informer aborts its watch, which it reports as one more error.
      if (done) return;
      const [cause, verb] = err instanceof ListFailure ? [err.cause, 'list'] : [err, 'watch'];
      backoff.failed(cause, action(verb)).then(() => {
        if (!done) informer.start().catch(fail);
      }, fail);
    });
    informer.start().catch(fail);
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
        // A drawing taller than the screen could not be moved up over: the steps are cut to fit its height
        // (header, message, column titles, the count of the rest and the UI link take up to 8 rows).
        const lines = renderRun(run, now(), out.rows > 0 ? { maxStepRows: Math.max(3, out.rows - 8) } : {});
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
