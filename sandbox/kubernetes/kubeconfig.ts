/** The kubeconfig the sandbox writes for kubectl, client-node and the control-plane components. */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  caFile: string;
  token: string;
  /** Who the token is, as kubeconfig names its user; the admin by default. */
  user?: string;
}

export const SANDBOX_CONTEXT = 'orchestration-sandbox';

export function writeKubeconfig(path: string, options: KubeconfigOptions): void {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: SANDBOX_CONTEXT, cluster: { server: options.server, 'certificate-authority': options.caFile } }],
    users: [{ name: options.user ?? 'sandbox-admin', user: { token: options.token } }],
    contexts: [{ name: SANDBOX_CONTEXT, context: { cluster: SANDBOX_CONTEXT, user: options.user ?? 'sandbox-admin', namespace: 'default' } }],
    'current-context': SANDBOX_CONTEXT,
  };
  writeFileSync(path, stringify(doc), { mode: 0o600 });
}
