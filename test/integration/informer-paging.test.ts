// The bridge's informers list in pages (bridge/informers.ts listInPages, whose page loop test/unit/informer-trim.test.ts
// covers): against the real apiserver every object of every page reaches the cache,
// trimmed, and the cache then follows the watch. Pages of 2 here, so 5 Orchestrations take 3 pages.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../common/kube-config.js';
import { watchRunsAndOrchestrations } from '../../bridge/informers.js';
import { waitFor } from '../../sandbox/wait.js';
import { installCrds } from '../../sandbox/kubernetes/apply.js';
import { createNamespace } from '../support/bridge-harness.js';
import { sandboxEnv } from '../support/sandbox.js';

const kc = loadKubeConfig(sandboxEnv().KUBECONFIG);
const api = kc.makeApiClient(CustomObjectsApi);
let ns: string;
let watched: ReturnType<typeof watchRunsAndOrchestrations> | undefined;

const orchestration = (name: string) => ({
  apiVersion: 'orchestration.proompteng.ai/v1alpha1',
  kind: 'Orchestration',
  metadata: { name, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"x"}', kept: 'yes' } },
  spec: { steps: [{ name: 'a', activity: { name: 'sleep', input: { seconds: 0 } } }] },
});
const create = (name: string) =>
  api.createNamespacedCustomObject({ group: 'orchestration.proompteng.ai', version: 'v1alpha1', namespace: ns, plural: 'orchestrations', body: orchestration(name) });

beforeAll(async () => {
  await installCrds(sandboxEnv().KUBECONFIG);
  ns = await createNamespace('paging');
  for (let i = 0; i < 5; i += 1) await create(`o${i}`);
});
afterAll(async () => {
  for (const informer of [...(watched?.runs.informers ?? []), ...(watched?.orchestrations.informers ?? [])]) await informer.stop();
});

describe('informer list paging', () => {
  it('caches every object of every page, trimmed, then follows the watch', async () => {
    watched = watchRunsAndOrchestrations(kc, [ns], 2);
    const [informer] = watched.orchestrations.informers;
    await informer!.start();
    const names = () => watched!.orchestrations.list(ns).map((o) => o.metadata?.name).sort();
    await waitFor(() => (names().length === 5 ? true : undefined), { what: '5 Orchestrations cached', timeoutMs: 20_000 });
    expect(names()).toEqual(['o0', 'o1', 'o2', 'o3', 'o4']);
    // Trimmed as the list came in: kubectl's copy of the object is gone, other annotations stay.
    const o3 = watched.orchestrations.get(ns, 'o3');
    expect(o3?.metadata?.annotations).toEqual({ kept: 'yes' });
    expect(o3?.metadata?.managedFields).toBeUndefined();
    // The list's resourceVersion is the watch's start: an object created now arrives by the watch.
    await create('o5');
    await waitFor(() => (names().includes('o5') ? true : undefined), { what: 'o5 cached from the watch', timeoutMs: 20_000 });
    expect(names()).toHaveLength(6);
  });
});
