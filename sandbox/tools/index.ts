/** Provisioning of the sandbox's real servers into the tools cache (see cache.ts for its guarantees). */
import { ensureTool } from './cache.js';
import { etcd, helm, kubernetes, kwok } from './go-tools.js';
import { temporalCli } from './temporal-cli.js';

export { toolsDir, ProvisionError } from './cache.js';
export { CHROMIUM_INSTALL, CHROMIUM_PATH, ensureChromium } from './chromium.js';

export interface ToolPaths {
  temporal: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  helm: string;
}

/** Installs whatever is missing, one tool after the other (builds share the machine's two cores). */
export async function ensureTools(log?: (line: string) => void): Promise<ToolPaths> {
  const t = await ensureTool(temporalCli, log);
  const e = await ensureTool(etcd, log);
  const k = await ensureTool(kubernetes, log);
  const w = await ensureTool(kwok, log);
  const h = await ensureTool(helm, log);
  return {
    temporal: t.temporal!,
    etcd: e.etcd!,
    kubeApiserver: k['kube-apiserver']!,
    kubeControllerManager: k['kube-controller-manager']!,
    kubeScheduler: k['kube-scheduler']!,
    kwok: w.kwok!,
    helm: h.helm!,
  };
}
