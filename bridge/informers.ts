/** Informers for OrchestrationRuns, Orchestrations and OrchestrationSchedules, cluster-wide or per watched namespace. */
import { CustomObjectsApi, ListWatch, Watch, type Informer, type KubeConfig, type KubernetesListObject, type KubernetesObject, type ObjectCache, type V1ManagedFieldsEntry } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, ORCHESTRATION_PLURAL, ORCHESTRATION_RUN_PLURAL, ORCHESTRATION_SCHEDULE_PLURAL, RECORDED_SPEC_FIELDS } from '../core/index.js';

/** Objects per list page, and a bound on pages (2,000 pages = a million objects). */
const LIST_PAGE_SIZE = 500;
const MAX_LIST_PAGES = 2000;

export type Cache = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

/** The annotation `kubectl apply` keeps: the whole object once more, as a string. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * What the cache keeps of an object (client-go's SetTransform): not the metadata nothing here reads.
 * managedFields is cut to who owns `spec.cancel`, `spec.suspend` and the keys of `spec.approvals` (the bridge
 * names those field managers in cancelledBy, suspendedBy, approvedBy), and kubectl's
 * last-applied-configuration goes. Together they are most of a small run's size.
 */
export function trimForCache<T extends KubernetesObject>(obj: T): T {
  const metadata = obj.metadata;
  if (!metadata) return obj;
  const managedFields = metadata.managedFields
    ?.map((entry): V1ManagedFieldsEntry | undefined => {
      const spec = (entry.fieldsV1 as { 'f:spec'?: Record<string, unknown> } | undefined)?.['f:spec'];
      const kept = Object.fromEntries(RECORDED_SPEC_FIELDS.map((f) => [`f:${f}`, spec?.[`f:${f}`]] as const).filter(([, owned]) => owned !== undefined));
      return Object.keys(kept).length === 0 ? undefined : { manager: entry.manager, operation: entry.operation, time: entry.time, fieldsV1: { 'f:spec': kept } };
    })
    .filter((entry) => entry !== undefined);
  const annotations = metadata.annotations && LAST_APPLIED in metadata.annotations ? Object.fromEntries(Object.entries(metadata.annotations).filter(([key]) => key !== LAST_APPLIED)) : metadata.annotations;
  const kept = { ...metadata, managedFields, annotations };
  if (!managedFields?.length) delete kept.managedFields;
  if (!annotations || Object.keys(annotations).length === 0) delete kept.annotations;
  return { ...obj, metadata: kept };
}

/** A Watch whose objects are trimmed for the cache before the informer stores them. */
class TrimmingWatch extends Watch {
  override watch(...[path, queryParams, callback, done]: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    return super.watch(path, queryParams, (phase, obj, watchObj) => callback(phase, phase === 'ERROR' ? obj : trimForCache(obj as KubernetesObject), watchObj), done);
  }
}

export interface WatchedKind {
  plural: string;
  /** One informer per namespace, or one for all namespaces when none are given. */
  informers: Cache[];
  get(namespace: string, name: string): KubernetesObject | undefined;
  list(namespace: string): KubernetesObject[];
}

type ListPage = KubernetesListObject<KubernetesObject>;

/**
 * A list read in pages (as client-go's reflector does), each page trimmed before the next is read: the whole
 * list in one response is held as text and as objects at once, and V8 keeps the heap it grew. The result
 * carries the pages' resourceVersion (one snapshot for all of them), from which the watch starts. A
 * continue token expired between pages (410) fails the list, and the informer lists again.
 */
export async function listInPages(page: (token: string | undefined) => Promise<ListPage>, what: string, maxPages = MAX_LIST_PAGES): Promise<ListPage> {
  const items: KubernetesObject[] = [];
  let got = await page(undefined);
  for (let pages = 1; ; pages += 1) {
    for (const item of got.items) items.push(trimForCache(item));
    // Custom objects come back as the apiserver's JSON, not client-node's models: `continue`, not `_continue`.
    const next = (got.metadata as { continue?: string } | undefined)?.continue;
    if (!next) return { ...got, items };
    if (pages >= maxPages) throw new Error(`listing ${what}: more than ${maxPages} pages`);
    got = await page(next);
  }
}

function watchKind(kc: KubeConfig, plural: string, namespaces: string[], pageSize: number): WatchedKind {
  const api = kc.makeApiClient(CustomObjectsApi);
  const scopes = namespaces.length > 0 ? namespaces : [undefined];
  const informers = scopes.map((namespace) => {
    const path = namespace ? `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${plural}` : `/apis/${API_GROUP}/${API_VERSION}/${plural}`;
    const page = (_continue: string | undefined) =>
      (namespace
        ? api.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural, limit: pageSize, _continue })
        : api.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural, limit: pageSize, _continue })) as Promise<KubernetesListObject<KubernetesObject>>;
    const trimmed = () => listInPages(page, plural);
    return new ListWatch<KubernetesObject>(path, new TrimmingWatch(kc), trimmed, false);
  });
  const forNamespace = (namespace: string) => (namespaces.length > 0 ? informers[namespaces.indexOf(namespace)] : informers[0]);
  return {
    plural,
    informers,
    get: (namespace, name) => forNamespace(namespace)?.get(name, namespace),
    list: (namespace) => [...(forNamespace(namespace)?.list(namespace) ?? [])],
  };
}

export function watchRunsAndOrchestrations(kc: KubeConfig, namespaces: string[], pageSize = LIST_PAGE_SIZE) {
  return {
    runs: watchKind(kc, ORCHESTRATION_RUN_PLURAL, namespaces, pageSize),
    orchestrations: watchKind(kc, ORCHESTRATION_PLURAL, namespaces, pageSize),
    schedules: watchKind(kc, ORCHESTRATION_SCHEDULE_PLURAL, namespaces, pageSize),
  };
}
