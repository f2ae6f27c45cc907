/** What a test needs to talk to the shared sandbox: its env, kubectl, and client-node clients. */
import type { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { runCommand } from './run.js';
import { loadKubeConfig } from '../../common/kube-config.js';

export function sandboxEnv() {
  return inject('sandbox');
}

export function kubeConfig(): KubeConfig {
  return loadKubeConfig(sandboxEnv().KUBECONFIG);
}

/** kubectl against the sandbox, with stdin for manifests. */
export function kubectl(args: string[], input?: string) {
  return runCommand('kubectl', args, { env: { ...process.env, KUBECONFIG: sandboxEnv().KUBECONFIG }, input });
}

/** The official `temporal` CLI against the sandbox server. */
export function temporalCli(args: string[]) {
  const env = sandboxEnv();
  return runCommand(env.TEMPORAL_CLI, [...args, '--address', env.TEMPORAL_ADDRESS, '--namespace', env.TEMPORAL_NAMESPACE]);
}

/** A name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}
