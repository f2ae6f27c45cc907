/**
 * What the simulated node answers to `kubectl logs`: KWOK serves container logs from host files named by
 * ClusterLogs (kwok.x-k8s.io/v1alpha1), and its selector matches Pods by name and namespace only, so one
 * file serves every container on the node. That file says what it is rather than imitate a step's output.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lines every container on a KWOK node logs, the same for every Pod. */
export function kwokContainerLogLines(nodeName: string): string[] {
  return [
    `${nodeName} is a KWOK node: it simulates this container and ran no process, so there is no output of the step's command.`,
    'A Job step on a real node logs here what its container wrote to stdout and stderr.',
  ];
}

/**
 * Writes the log file (in the CRI format the kubelet reads, which KWOK reads too) and a KWOK config that
 * points every container of every Pod at it; returns the config's path for KWOK's --config.
 */
export function writeKwokLogsConfig(dir: string, nodeName: string, now: Date = new Date()): string {
  const logsFile = join(dir, 'container.log');
  const stamp = now.toISOString();
  writeFileSync(logsFile, kwokContainerLogLines(nodeName).map((line) => `${stamp} stdout F ${line}\n`).join(''));
  const config = join(dir, 'logs.yaml');
  // JSON is YAML; no selector means every Pod KWOK manages.
  const clusterLogs = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterLogs',
    metadata: { name: 'sandbox-container-logs' },
    spec: { selector: {}, logs: [{ logsFile }] },
  };
  writeFileSync(config, `${JSON.stringify(clusterLogs, null, 2)}\n`);
  return config;
}
