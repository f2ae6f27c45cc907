// Kubernetes API calls reuse their connections (common/kube-config.ts): client-node 1.4 alone opens a new TLS
// connection for every request. Counted by the TCP connects this process makes (async_hooks: each is a
// TCPCONNECTWRAP resource); nothing else in the test process connects meanwhile.
import { createHook } from 'node:async_hooks';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../common/kube-config.js';
import { sandboxEnv } from '../support/sandbox.js';

/** How many TCP connections `calls` opened (each connect makes one TCPCONNECTWRAP resource). */
async function connectionsOpenedBy(calls: () => Promise<void>): Promise<number> {
  let opened = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'TCPCONNECTWRAP') opened += 1;
    },
  }).enable();
  try {
    await calls();
  } finally {
    hook.disable();
  }
  return opened;
}

function sequential(kubeConfig: KubeConfig, n: number): () => Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return async () => {
    for (let i = 0; i < n; i += 1) await core.readNamespace({ name: 'default' });
  };
}

function concurrent(kubeConfig: KubeConfig, n: number): () => Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return async () => {
    await Promise.all(Array.from({ length: n }, () => core.readNamespace({ name: 'default' })));
  };
}

describe('Kubernetes API connections', () => {
  it('are kept and reused across requests, in sequence and at once', async () => {
    const kubeConfig = loadKubeConfig(sandboxEnv().KUBECONFIG);
    expect(await connectionsOpenedBy(sequential(kubeConfig, 20))).toBe(1);
    const first = await connectionsOpenedBy(concurrent(kubeConfig, 20));
    expect(first).toBeLessThanOrEqual(20);
    // The connections the first 20 opened are kept (up to 32 idle): the next 20 open none.
    expect(await connectionsOpenedBy(concurrent(kubeConfig, 20))).toBe(0);
  });

  it('without it, client-node opens one per request (what the reuse replaces)', async () => {
    const plain = new KubeConfig();
    plain.loadFromFile(sandboxEnv().KUBECONFIG);
    expect(await connectionsOpenedBy(sequential(plain, 20))).toBe(20);
  });
});
