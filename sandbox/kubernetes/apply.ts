/** Server-side apply of manifests, the way `kubectl apply --server-side` does it. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiextensionsV1Api, KubeConfig, KubernetesObjectApi, loadAllYaml, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { waitFor } from '../wait.js';

export const CRD_DIR = join(import.meta.dirname, '..', '..', 'deploy', 'crds');

export function readManifests(dir: string): KubernetesObject[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => loadAllYaml(readFileSync(join(dir, f), 'utf8')) as KubernetesObject[]);
}

/** Applies the CRDs of deploy/crds and waits until the apiserver serves them. */
export async function installCrds(kubeconfig: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const objects = kc.makeApiClient(KubernetesObjectApi);
  // Typed through loadAllYaml: client-node serialises by its models, and a plain object's
  // x-kubernetes-* keys would be dropped on the way out.
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
