/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler, on free ports, with all state under one directory.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isOk } from '../http-probe.js';
import { freePorts } from '../ports.js';
import { ManagedProcess } from '../process.js';
import type { ToolPaths } from '../tools/index.js';
import { waitFor } from '../wait.js';
import { writeClusterCredentials } from './credentials.js';
import { writeKubeconfig } from './kubeconfig.js';

/**
 * Controllers the sandbox runs: enough for namespaces, Jobs and their Pods, GC and Job TTLs, and quotas
 * (a ResourceQuota on the count of runs bounds a namespace's concurrency queue, as in any cluster). The node
 * lifecycle controller lifts the not-ready taint that admission puts on every new node.
 */
export const CONTROLLERS = [
  'node-lifecycle-controller',
  'namespace-controller',
  'garbage-collector-controller',
  'job-controller',
  'ttl-after-finished-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'pod-garbage-collector-controller',
  'resourcequota-controller',
];

export interface ControlPlane {
  server: string;
  kubeconfig: string;
  caFile: string;
  adminToken: string;
  processes: ManagedProcess[];
}

const READY_TIMEOUT_MS = 120_000;

function ready(proc: ManagedProcess, what: string, check: () => Promise<true | undefined>): Promise<true> {
  return waitFor(check, { what, timeoutMs: READY_TIMEOUT_MS, failIf: () => proc.exitMessage() });
}

/** Starts the control plane; on failure stops what it started and rethrows. */
export async function startControlPlane(tools: ToolPaths, dataDir: string, processes: ManagedProcess[]): Promise<ControlPlane> {
  const dirs = { etcd: join(dataDir, 'etcd'), pki: join(dataDir, 'pki'), logs: join(dataDir, 'logs') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const [etcdClient, etcdPeer, apiPort, cmPort, schedPort] = (await freePorts(5)) as [number, number, number, number, number];
  const creds = writeClusterCredentials(dirs.pki);
  const log = (name: string) => join(dirs.logs, `${name}.log`);
  const start = (name: string, command: string, args: string[]) => {
    const proc = new ManagedProcess({ name, command, args, logFile: log(name) });
    processes.push(proc);
    return proc;
  };

  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const etcd = start('etcd', tools.etcd, [
    '--name=sandbox',
    `--data-dir=${dirs.etcd}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=sandbox=http://127.0.0.1:${etcdPeer}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]);
  await ready(etcd, 'etcd /health', () => isOk(`${etcdUrl}/health`));

  const server = `https://127.0.0.1:${apiPort}`;
  const apiserver = start('kube-apiserver', tools.kubeApiserver, [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${dirs.pki}`,
    `--token-auth-file=${creds.tokenAuthFile}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${creds.serviceAccountPublicKeyFile}`,
    `--service-account-signing-key-file=${creds.serviceAccountKeyFile}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--allow-privileged=true',
    '--enable-priority-and-fairness=false',
    // Pod logs go to a node's InternalIP (KWOK's is 127.0.0.1), never to a Hostname address (the default
    // order's first), which for a simulated node no resolver knows.
    '--kubelet-preferred-address-types=InternalIP',
    '--v=0',
  ]);
  // With --cert-dir and no --tls-cert-file the apiserver makes its own CA; the file holds the serving
  // certificate followed by that CA, which is all a client needs to verify it.
  const caFile = join(dirs.pki, 'apiserver.crt');
  await ready(apiserver, 'kube-apiserver /readyz', () =>
    isOk(`${server}/readyz`, { ca: readFileSync(caFile), token: creds.adminToken }),
  );
  const kubeconfig = join(dataDir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server, caFile, token: creds.adminToken });

  const controllerManager = start('kube-controller-manager', tools.kubeControllerManager, [
    `--kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${cmPort}`,
    `--controllers=${CONTROLLERS.join(',')}`,
    // A quota on a CRD installed after start counts once the controller re-syncs (default every 5 min).
    '--resource-quota-sync-period=10s',
    `--service-account-private-key-file=${creds.serviceAccountKeyFile}`,
    `--root-ca-file=${caFile}`,
    '--leader-elect=false',
    '--v=0',
  ]);
  const scheduler = start('kube-scheduler', tools.kubeScheduler, [
    `--kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${schedPort}`,
    '--leader-elect=false',
    '--v=0',
  ]);
  await ready(controllerManager, 'kube-controller-manager /healthz', () =>
    isOk(`https://127.0.0.1:${cmPort}/healthz`, { insecure: true }),
  );
  await ready(scheduler, 'kube-scheduler /healthz', () => isOk(`https://127.0.0.1:${schedPort}/healthz`, { insecure: true }));
  return { server, kubeconfig, caFile, adminToken: creds.adminToken, processes };
}
