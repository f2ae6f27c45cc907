/** Informers for OrchestrationRuns and Orchestrations, cluster-wide or per watched namespace. */
import { CustomObjectsApi, makeInformer, type Informer, type KubeConfig, type KubernetesListObject, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, ORCHESTRATION_PLURAL, ORCHESTRATION_RUN_PLURAL } from '../core/index.js';

export type Cache = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

export interface WatchedKind {
  plural: string;
  /** One informer per namespace, or one for all namespaces when none are given. */
  informers: Cache[];
  get(namespace: string, name: string): KubernetesObject | undefined;
  list(namespace: string): KubernetesObject[];
}

function watchKind(kc: KubeConfig, plural: string, namespaces: string[]): WatchedKind {
  const api = kc.makeApiClient(CustomObjectsApi);
  const scopes = namespaces.length > 0 ? namespaces : [undefined];
  const informers = scopes.map((namespace) => {
    const path = namespace ? `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${plural}` : `/apis/${API_GROUP}/${API_VERSION}/${plural}`;
    const list = () =>
      (namespace
        ? api.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural })
        : api.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural })) as Promise<KubernetesListObject<KubernetesObject>>;
    return makeInformer<KubernetesObject>(kc, path, list);
  });
  const forNamespace = (namespace: string) => (namespaces.length > 0 ? informers[namespaces.indexOf(namespace)] : informers[0]);
  return {
    plural,
    informers,
    get: (namespace, name) => forNamespace(namespace)?.get(name, namespace),
    list: (namespace) => [...(forNamespace(namespace)?.list(namespace) ?? [])],
  };
}

export function watchRunsAndOrchestrations(kc: KubeConfig, namespaces: string[]) {
  return { runs: watchKind(kc, ORCHESTRATION_RUN_PLURAL, namespaces), orchestrations: watchKind(kc, ORCHESTRATION_PLURAL, namespaces) };
}
