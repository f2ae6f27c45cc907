/**
 * The cluster as kubectl finds it: KUBECONFIG or --kubeconfig, --context, -n (else the context's namespace,
 * else "default"), and the errors a user can act on (a missing run, the CRDs not installed, no access).
 */
import { ApiException, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
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
  ) {
    super(message);
  }
}

export type Plural = typeof ORCHESTRATION_RUN_PLURAL | typeof ORCHESTRATION_PLURAL;

const INSTALL_HINT = 'install them with `kubectl apply -f deploy/install.yaml` (or the Helm chart in charts/), see README "Install into a cluster"';

const ours = (plural: string) => plural === ORCHESTRATION_RUN_PLURAL || plural === ORCHESTRATION_PLURAL;

/** What an apiserver error means to the user, naming what was asked (`get orchestrationruns build-1 in ns`). */
export function explain(err: unknown, action: { verb: string; plural: string; name?: string; namespace?: string }): Error {
  if (!(err instanceof ApiException)) return err instanceof Error ? err : new Error(String(err));
  const code = err.code;
  const body = typeof err.body === 'string' ? safeJson(err.body) : (err.body as Record<string, unknown> | undefined);
  const where = action.namespace ? ` in namespace ${action.namespace}` : ' in any namespace';
  const apiMessage = typeof body?.message === 'string' ? body.message : undefined;
  if (code === 404) {
    // An object that is not there comes back as a Status naming it; an unknown resource type as a bare 404.
    const details = body?.details as { name?: string } | undefined;
    if (body?.kind === 'Status' && details?.name !== undefined && action.name) {
      const what = action.plural === ORCHESTRATION_PLURAL ? 'Orchestration' : action.plural === ORCHESTRATION_RUN_PLURAL ? 'run' : action.plural;
      return new CliError(`${what} ${action.name} not found${where}`);
    }
    if (ours(action.plural)) return new CliError(`the server has no resource type ${action.plural}.${API_GROUP}: the orchestration-bridge CRDs are not installed in this cluster; ${INSTALL_HINT}`);
  }
  if (code === 403) {
    return new CliError(`no access: you may not ${action.verb} ${action.plural}${ours(action.plural) ? `.${API_GROUP}` : ''}${where}${apiMessage ? ` (${apiMessage})` : ''}`);
  }
  if (code === 401) return new CliError(`not authenticated to the cluster: check your kubeconfig's credentials${apiMessage ? ` (${apiMessage})` : ''}`);
  return new CliError(`${action.verb} ${action.plural}${action.name ? ` ${action.name}` : ''}${where} failed: HTTP ${code}${apiMessage ? `: ${apiMessage}` : ''}`);
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The apiserver's own sentence from an error's Status body, or the body as it came. */
function apiMessage(err: ApiException<unknown>): string {
  const body = typeof err.body === 'string' ? safeJson(err.body) : (err.body as Record<string, unknown> | undefined);
  return typeof body?.message === 'string' ? body.message : String(err.body);
}

export const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** One cluster connection as the options name it, with the namespace commands act in. */
export function connect(options: KubeOptions) {
  const kubeConfig = new KubeConfig();
  try {
    if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    throw new CliError(`cannot read the kubeconfig ${options.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config'}: ${(err as Error).message}`);
  }
  if (options.context) {
    if (!kubeConfig.getContextObject(options.context)) throw new CliError(`context ${options.context} is not in the kubeconfig`);
    kubeConfig.setCurrentContext(options.context);
  }
  if (!kubeConfig.getCurrentCluster()) throw new CliError('no cluster: the kubeconfig has no current context (set KUBECONFIG, --kubeconfig or --context)');
  const namespace = options.namespace ?? kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default';
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const base = { group: API_GROUP, version: API_VERSION };

  async function get(plural: Plural, name: string, ns = namespace): Promise<Record<string, unknown>> {
    try {
      return (await custom.getNamespacedCustomObject({ ...base, namespace: ns, plural, name })) as Record<string, unknown>;
    } catch (err) {
      throw explain(err, { verb: 'get', plural, name, namespace: ns });
    }
  }
  async function create(plural: Plural, body: object, ns = namespace): Promise<Record<string, unknown>> {
    try {
      return (await custom.createNamespacedCustomObject({ ...base, namespace: ns, plural, body, fieldManager: FIELD_MANAGER })) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof ApiException && err.code === 422) throw new CliError(`the apiserver refused the ${plural}: ${apiMessage(err)}`);
      if (err instanceof ApiException && err.code === 409) throw new CliError(apiMessage(err));
      throw explain(err, { verb: 'create', plural, namespace: ns });
    }
  }
  async function patch(plural: Plural, name: string, body: object, ns = namespace): Promise<Record<string, unknown>> {
    try {
      return (await custom.patchNamespacedCustomObject({ ...base, namespace: ns, plural, name, body, fieldManager: FIELD_MANAGER }, merge)) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof ApiException && err.code === 422) throw new CliError(`the apiserver refused the change to ${name}: ${apiMessage(err)}`);
      throw explain(err, { verb: 'patch', plural, name, namespace: ns });
    }
  }
  async function list(plural: Plural, all: boolean): Promise<Record<string, unknown>[]> {
    try {
      const got = (all ? await custom.listClusterCustomObject({ ...base, plural }) : await custom.listNamespacedCustomObject({ ...base, namespace, plural })) as { items: Record<string, unknown>[] };
      return got.items;
    } catch (err) {
      throw explain(err, { verb: 'list', plural, ...(all ? {} : { namespace }) });
    }
  }
  return {
    kubeConfig,
    namespace,
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
        const explained = explain(err, { verb: 'get', plural: ORCHESTRATION_PLURAL, name, namespace: ns });
        if (explained.message.startsWith('Orchestration ')) return undefined;
        throw explained;
      }
    },
  };
}
export type Cluster = ReturnType<typeof connect>;
