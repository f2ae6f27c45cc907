/** Server-side apply of manifests, the way `kubectl apply --server-side` does it. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiextensionsV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { waitFor } from '../wait.js';

export const CRD_DIR = join(import.meta.dirname, '..', '..', 'deploy', 'crds');

export function readManifests(dir: string): KubernetesObject[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as KubernetesObject))
    .filter((o) => o !== null);
}

/** Applies the CRDs of deploy/crds and waits until the apiserver serves them. */
export async function installCrds(kubeconfig: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const objects = kc.makeApiClient(KubernetesObjectApi);
  const crds = readManifests(CRD_DIR);
  for (const crd of crds) {
    await objects.patch(crd, undefined, undefined, 'orchestration-sandbox', true, PatchStrategy.ServerSideApply);
  }
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    await waitFor(
      async () => {
        const got = await ext.readCustomResourceDefinition({ name });
        return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      },
      { what: `CRD ${name} Established`, timeoutMs: 30_000 },
    );
  }
}
