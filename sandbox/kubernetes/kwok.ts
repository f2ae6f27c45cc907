/** KWOK plays the kubelets: one simulated node on which Job Pods are scheduled, run and complete. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import { freePort } from '../ports.js';
import { ManagedProcess } from '../process.js';
import { waitFor } from '../wait.js';
import { writeKwokLogsConfig } from './kwok-logs.js';

export const KWOK_NODE_NAME = 'kwok-node-0';
const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
const STAGES = join(import.meta.dirname, 'kwok-stages.yaml');

function nodeManifest(): V1Node {
  const resources = { cpu: '1000', memory: '4Ti', pods: '1000' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: KWOK_NODE_NAME,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': KWOK_NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
    },
    status: { allocatable: resources, capacity: resources },
  };
}

export async function startKwok(binary: string, kubeconfig: string, dataDir: string, processes: ManagedProcess[]): Promise<void> {
  // KWOK_WORKDIR keeps a user's ~/.kwok/kwok.yaml out of the sandbox.
  const workDir = join(dataDir, 'kwok');
  mkdirSync(workDir, { recursive: true });
  const logsConfig = writeKwokLogsConfig(workDir, KWOK_NODE_NAME);
  // KWOK's kubelet-like server (pods/log for the apiserver): the node's status carries this address and
  // port, and the apiserver is told to use InternalIP. Without TLS files KWOK serves a self-signed
  // certificate, which the apiserver accepts because it has no --kubelet-certificate-authority.
  const kubeletPort = await freePort();
  const proc = new ManagedProcess({
    name: 'kwok',
    command: binary,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--config=${STAGES}`,
      `--config=${logsConfig}`,
      '--node-ip=127.0.0.1',
      `--node-port=${kubeletPort}`,
      `--server-address=127.0.0.1:${kubeletPort}`,
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      // A lease keeps the node Ready; without one the node-lifecycle timeout flaps it NotReady.
      '--node-lease-duration-seconds=40',
    ],
    logFile: join(dataDir, 'logs', 'kwok.log'),
    env: { ...process.env, KWOK_WORKDIR: workDir },
  });
  processes.push(proc);

  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNode({ body: nodeManifest() });
  await waitFor(
    async () => {
      const node = await core.readNode({ name: KWOK_NODE_NAME });
      const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      const tainted = (node.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
      return ready && !tainted ? true : undefined;
    },
    { what: `KWOK node ${KWOK_NODE_NAME} Ready and schedulable`, timeoutMs: 60_000, failIf: () => proc.exitMessage() },
  );
  // Pods need the namespace's default ServiceAccount, which the controller-manager creates.
  await waitFor(
    async () => ((await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })) ? true : undefined),
    { what: 'ServiceAccount default/default', timeoutMs: 60_000 },
  );
}
