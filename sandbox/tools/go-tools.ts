/**
 * Kubernetes control plane, etcd, KWOK and helm, built from their Go modules. Each has a wrapper module under
 * sandbox/go/ that pins one release (k8s.io/kubernetes needs `replace` lines for its staging modules).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ToolSpec } from './cache.js';

const GO_MODULES = join(import.meta.dirname, '..', 'go');

export const KUBERNETES_VERSION = 'v1.33.13';
export const ETCD_VERSION = 'v3.5.35';
export const KWOK_VERSION = 'v0.7.0';
export const HELM_VERSION = 'v3.19.0';
/** The Kubernetes minor release helm's client-go (v0.34) speaks: its default for .Capabilities.KubeVersion and lint's deprecation checks. */
const HELM_KUBE_MINOR = '34';

let goVersion: string | undefined;
function currentGoVersion(): string {
  if (goVersion === undefined) {
    try {
      goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
    } catch (err) {
      throw new Error(`the sandbox builds Kubernetes, etcd and KWOK with Go, and \`go env GOVERSION\` failed: ${String(err)}`, { cause: err });
    }
  }
  return goVersion;
}

/** Version plus a hash of the wrapper module and the Go toolchain: a change to either rebuilds. */
function cacheKey(module: string, version: string): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(GO_MODULES, module, file)));
  hash.update(currentGoVersion());
  return `${version}-${hash.digest('hex').slice(0, 12)}`;
}

function goTool(name: string, module: string, version: string, binaries: Record<string, string>, ldflags: string[] = []): ToolSpec {
  return {
    name,
    get key() {
      return cacheKey(module, version);
    },
    binaries: Object.keys(binaries),
    async install({ dir, run }) {
      const cwd = join(GO_MODULES, module);
      const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -buildvcs=false' };
      for (const [binary, pkg] of Object.entries(binaries)) {
        await run('go', ['build', '-trimpath', `-ldflags=${['-s', '-w', ...ldflags].join(' ')}`, '-o', join(dir, binary), pkg], { cwd, env });
      }
    },
  };
}

export const kubernetes = goTool('kubernetes', 'kubernetes', KUBERNETES_VERSION, {
  'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
  'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
  'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
});
export const etcd = goTool('etcd', 'etcd', ETCD_VERSION, { etcd: 'go.etcd.io/etcd/server/v3' });
export const kwok = goTool('kwok', 'kwok', KWOK_VERSION, { kwok: 'sigs.k8s.io/kwok/cmd/kwok' });
/** Linker flags as helm's Makefile sets them: its version, and the Kubernetes version it assumes when not talking to a cluster. */
export const helm = goTool('helm', 'helm', HELM_VERSION, { helm: 'helm.sh/helm/v3/cmd/helm' }, [
  `-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
  ...['pkg/lint/rules', 'pkg/chartutil'].flatMap((pkg) => [`-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=1`, `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${HELM_KUBE_MINOR}`]),
]);
