/**
 * The cluster as kubectl finds it: KUBECONFIG or --kubeconfig, --context, -n (else the context's namespace,
 * else "default"), and the errors a user can act on (a missing run, the CRDs not installed, no access).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ApiException, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { apiErrorBody } from '../activities/kube.js';
import { API_GROUP, API_VERSION, ORCHESTRATION_PLURAL, ORCHESTRATION_RUN_PLURAL } from '../core/api/names.js';

export interface KubeOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

/** The field manager of every write of this CLI, so approvedBy/suspendedBy read spec:kubectl-orch. */
export const FIELD_MANAGER = 'kubectl-orch';

/** An error the CLI prints as it is, without a stack: the user's next step is in its message. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 3,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type Plural = typeof ORCHESTRATION_RUN_PLURAL | typeof ORCHESTRATION_PLURAL;

/** What was asked of the apiserver, for an error's message (`get orchestrationruns build-1 in namespace ci`). */
export interface Action {
  verb: string;
  plural: string;
  name?: string;
  namespace?: string;
  /** The apiserver's URL, named when it cannot be reached. */
  server?: string;
}

const INSTALL_HINT = 'install them with `kubectl apply -f deploy/install.yaml` (or the Helm chart in charts/), see README "Install into a cluster"';

const ours = (plural: string) => plural === ORCHESTRATION_RUN_PLURAL || plural === ORCHESTRATION_PLURAL;

/** An apiserver answer that was not a success: its HTTP code and, when it sent one, its Status object. */
export interface ApiFailure {
  code: number;
  status?: { kind?: unknown; message?: unknown; reason?: unknown; details?: { name?: string; kind?: string } };
}

/**
 * The HTTP failure inside client-node's errors: an ApiException (code, body as text or object) from the typed
 * clients, or the plain Error with a statusCode that Watch rejects a refused watch with. Undefined for anything
 * else (a network error, a bug).
 */
export function apiFailure(err: unknown): ApiFailure | undefined {
  if (err instanceof ApiException) {
    const status = apiErrorBody(err);
    return { code: err.code, ...(status ? { status } : {}) };
  }
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' ? { code: statusCode } : undefined;
}

/** The apiserver's own sentence from a failure's Status, if it sent one. */
function statusMessage(failure: ApiFailure | undefined): string | undefined {
  return typeof failure?.status?.message === 'string' && failure.status.message !== '' ? failure.status.message : undefined;
}

/** Socket-level failures: the apiserver was not reached (or dropped the connection). */
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'name lookup failed for now',
  ENOTFOUND: 'no such host',
  UND_ERR_SOCKET: 'connection closed',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed mid-answer',
};
/** Network failures a retry can cure; a host that does not exist (ENOTFOUND) is not one of them. */
const TRANSIENT_NETWORK = new Set(Object.keys(NETWORK_CODES).filter((c) => c !== 'ENOTFOUND'));

/** The Node.js error code of an error or of its causes (node-fetch's FetchError copies it; undici nests it). */
function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if ((e as { type?: unknown }).type === 'aborted' || /premature close/i.test((e as Error).message ?? '')) return 'ERR_STREAM_PREMATURE_CLOSE';
  }
  return undefined;
}

/** A TLS failure: the server's certificate, or ours, was refused. */
const isTlsCode = (code: string) => /CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);

/**
 * Worth trying again after a pause: the apiserver was not reached or dropped the connection, answered 5xx
 * (restarting, etcd unavailable) or 429 (priority and fairness). A 4xx is an answer and stays one. An error
 * that `explain` already turned into a CliError is judged by its cause.
 */
export function isTransient(err: unknown): boolean {
  const inner = err instanceof CliError && err.cause !== undefined ? err.cause : err;
  const failure = apiFailure(inner);
  if (failure) return failure.code >= 500 || failure.code === 429;
  const code = errorCode(inner);
  return code !== undefined && TRANSIENT_NETWORK.has(code);
}

/** What an apiserver error means to the user, naming what was asked (`get orchestrationruns build-1 in ns`). */
export function explain(err: unknown, action: Action): Error {
  if (err instanceof CliError) return err;
  const failure = apiFailure(err);
  if (!failure) {
    const code = errorCode(err);
    const server = action.server ? ` at ${action.server}` : '';
    if (code !== undefined && (NETWORK_CODES[code] !== undefined || isTlsCode(code))) {
      const why = NETWORK_CODES[code] ?? `TLS: ${(err as Error).message.replace(/^.*reason: /, '')}`;
      return new CliError(`cannot reach the Kubernetes API server${server} (${why}, ${code}): is the cluster up, and is this the right kubeconfig context?`, 3, { cause: err });
    }
    return err instanceof Error ? err : new Error(String(err));
  }
  const { code, status } = failure;
  const where = action.namespace ? ` in namespace ${action.namespace}` : ' in any namespace';
  const message = statusMessage(failure);
  if (code === 404) {
    // A namespace that is not there is named as such (a create in it answers `namespaces "x" not found`);
    // an object that is not there comes back as a Status naming it; an unknown resource type as a bare 404.
    if (status?.kind === 'Status' && status.details?.kind === 'namespaces') return new CliError(`namespace ${status.details.name ?? action.namespace} not found`, 3, { cause: err });
    if (status?.kind === 'Status' && status.details?.name !== undefined && action.name) {
      const what = action.plural === ORCHESTRATION_PLURAL ? 'Orchestration' : action.plural === ORCHESTRATION_RUN_PLURAL ? 'run' : action.plural;
      return new CliError(`${what} ${action.name} not found${where}`, 3, { cause: err });
    }
    if (ours(action.plural) && status?.details === undefined) {
      return new CliError(`the server has no resource type ${action.plural}.${API_GROUP}: the orchestration-bridge CRDs are not installed in this cluster; ${INSTALL_HINT}`, 3, { cause: err });
    }
  }
  if (code === 403) {
    return new CliError(`no access: you may not ${action.verb} ${action.plural}${ours(action.plural) ? `.${API_GROUP}` : ''}${where}${message ? ` (${message})` : ''}`, 3, { cause: err });
  }
  if (code === 401) return new CliError(`not authenticated to the cluster: check your kubeconfig's credentials${message ? ` (${message})` : ''}`, 3, { cause: err });
  const server = code >= 500 || code === 429 ? (action.server ? ` (server ${action.server})` : '') : '';
  return new CliError(`${action.verb} ${action.plural}${action.name ? ` ${action.name}` : ''}${where} failed: HTTP ${code}${message ? `: ${message}` : ''}${server}`, 3, { cause: err });
}

/** The apiserver's own sentence from an error's Status body, or the body as it came. */
function apiMessage(err: ApiException<unknown>): string {
  return statusMessage(apiFailure(err)) ?? String(err.body);
}

export const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * The kubeconfig as kubectl finds it: --kubeconfig, else the files of $KUBECONFIG that exist (merged, the first
 * one's current context winning), else ~/.kube/config, else the Pod's service account. With none of them
 * client-node would fall back to http://localhost:8080 and fail each request with a stack; here it is one line
 * that names the paths tried.
 */
export function userKubeConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env, home = homedir()): KubeConfig {
  const kubeConfig = new KubeConfig();
  const tried = file !== undefined ? [file] : env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter((f) => f !== '') : [join(home, '.kube', 'config')];
  const found = file !== undefined ? tried : tried.filter((f) => existsSync(f));
  try {
    if (found.length > 0) {
      kubeConfig.loadFromFile(found[0]!);
      for (const more of found.slice(1)) {
        const next = new KubeConfig();
        next.loadFromFile(more);
        kubeConfig.mergeConfig(next, true);
      }
    } else if (env.KUBERNETES_SERVICE_HOST) {
      kubeConfig.loadFromCluster();
    } else {
      const where = file === undefined && env.KUBECONFIG ? `$KUBECONFIG (${tried.join(', ')})` : tried.join(', ');
      throw new CliError(`no kubeconfig: tried ${where}, and this is not a Pod with a service account; set KUBECONFIG or pass --kubeconfig FILE`);
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read the kubeconfig ${found.join(', ')}: ${(err as Error).message}`, 3, { cause: err });
  }
  return kubeConfig;
}

/** One cluster connection as the options name it, with the namespace commands act in. */
export function connect(options: KubeOptions) {
  const kubeConfig = userKubeConfig(options.kubeconfig);
  if (options.context) {
    if (!kubeConfig.getContextObject(options.context)) throw new CliError(`context ${options.context} is not in the kubeconfig`);
    kubeConfig.setCurrentContext(options.context);
  }
  if (!kubeConfig.getCurrentCluster()) throw new CliError('no cluster: the kubeconfig has no current context (set KUBECONFIG, --kubeconfig or --context)');
  const namespace = options.namespace ?? kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default';
  const server = kubeConfig.getCurrentCluster()?.server;
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const base = { group: API_GROUP, version: API_VERSION };

  async function get(plural: Plural, name: string, ns = namespace): Promise<Record<string, unknown>> {
    try {
      return (await custom.getNamespacedCustomObject({ ...base, namespace: ns, plural, name })) as Record<string, unknown>;
    } catch (err) {
      throw explain(err, { verb: 'get', plural, name, namespace: ns, server });
    }
  }
  async function create(plural: Plural, body: object, ns = namespace): Promise<Record<string, unknown>> {
    try {
      return (await custom.createNamespacedCustomObject({ ...base, namespace: ns, plural, body, fieldManager: FIELD_MANAGER })) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof ApiException && err.code === 422) throw new CliError(`the apiserver refused the ${plural}: ${apiMessage(err)}`, 3, { cause: err });
      if (err instanceof ApiException && err.code === 409) throw new CliError(apiMessage(err), 3, { cause: err });
      throw explain(err, { verb: 'create', plural, namespace: ns, server });
    }
  }
  async function patch(plural: Plural, name: string, body: object, ns = namespace): Promise<Record<string, unknown>> {
    try {
      return (await custom.patchNamespacedCustomObject({ ...base, namespace: ns, plural, name, body, fieldManager: FIELD_MANAGER }, merge)) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof ApiException && err.code === 422) throw new CliError(`the apiserver refused the change to ${name}: ${apiMessage(err)}`, 3, { cause: err });
      throw explain(err, { verb: 'patch', plural, name, namespace: ns, server });
    }
  }
  async function list(plural: Plural, all: boolean): Promise<Record<string, unknown>[]> {
    try {
      const got = (all ? await custom.listClusterCustomObject({ ...base, plural }) : await custom.listNamespacedCustomObject({ ...base, namespace, plural })) as { items: Record<string, unknown>[] };
      return got.items;
    } catch (err) {
      throw explain(err, { verb: 'list', plural, server, ...(all ? {} : { namespace }) });
    }
  }
  return {
    kubeConfig,
    namespace,
    /** The apiserver's URL, for messages. */
    server,
    custom,
    get,
    create,
    patch,
    list,
    core: () => kubeConfig.makeApiClient(CoreV1Api),
    batch: () => kubeConfig.makeApiClient(BatchV1Api),
    /** The Orchestration, or undefined when there is none (any other error is thrown). */
    async findOrchestration(ns: string, name: string): Promise<unknown> {
      try {
        return await custom.getNamespacedCustomObject({ ...base, namespace: ns, plural: ORCHESTRATION_PLURAL, name });
      } catch (err) {
        const explained = explain(err, { verb: 'get', plural: ORCHESTRATION_PLURAL, name, namespace: ns, server });
        if (explained.message.startsWith('Orchestration ')) return undefined;
        throw explained;
      }
    },
  };
}
export type Cluster = ReturnType<typeof connect>;
