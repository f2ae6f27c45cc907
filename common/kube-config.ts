/**
 * The KubeConfig every process of ours uses: @kubernetes/client-node's, with connections to the API server
 * kept and reused.
 *
 * client-node 1.4 builds a new `https.Agent` for every request (`KubeConfig.createAgent`,
 * kubernetes-client/javascript#2893, fixed in 2.x, which needs Node 22), so no connection is ever reused:
 * each request is a TCP and TLS handshake, on the API server's side too. Measured on the sandbox, a GET costs
 * 5–6 ms that way and 1–1.5 ms over a kept connection (BENCHMARKS.md). Here the agent is made once per
 * (server, TLS material) and keeps its connections alive; proxied clusters keep client-node's own agents.
 *
 * Bounds: at most MAX_AGENTS agents (TLS material that rotates, e.g. a client certificate from an exec
 * plugin, makes a new one; the oldest is dropped and its idle connections close with it), and at most
 * MAX_FREE_SOCKETS idle connections per agent. Connections in use are not capped: long-lived watches hold one
 * each, and a cap would queue requests behind them; what bounds concurrent requests is the callers' own
 * concurrency (the work queue, the worker's activity slots).
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type https from 'node:https';
import { KubeConfig, type Cluster } from '@kubernetes/client-node';

const MAX_AGENTS = 4;
const MAX_FREE_SOCKETS = 32;

type AgentOptions = https.AgentOptions;
type CreateAgent = (cluster: Cluster | null, options: AgentOptions) => http.Agent;

/** The parts of an agent's options that make connections differ (TLS material, verification). */
function agentKey(cluster: Cluster | null, options: AgentOptions): string {
  const hash = createHash('sha256');
  for (const part of [cluster?.server, cluster?.skipTLSVerify, options.ca, options.cert, options.key, options.pfx, options.passphrase, options.rejectUnauthorized, options.servername, options.timeout]) {
    hash.update(part === undefined ? '\0u' : Buffer.isBuffer(part) ? part : JSON.stringify(part));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Makes `kubeConfig` reuse connections: one keep-alive agent per API server and TLS material. Returns it. */
export function withConnectionReuse(kubeConfig: KubeConfig): KubeConfig {
  // createAgent is private in client-node's types; it is the one place both its request paths make agents.
  const target = kubeConfig as unknown as { createAgent: CreateAgent };
  const libraryAgent = target.createAgent.bind(kubeConfig);
  const agents = new Map<string, http.Agent>();
  target.createAgent = (cluster, options) => {
    if (cluster?.proxyUrl) return libraryAgent(cluster, options);
    const key = agentKey(cluster, options);
    const existing = agents.get(key);
    if (existing) return existing;
    // client-node makes the agent (http or https, with its checks: plain http only with skipTLSVerify) from
    // these options as they are; ours keeps its connections.
    const agent = libraryAgent(cluster, { ...options, keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, scheduling: 'lifo' });
    if (agents.size >= MAX_AGENTS) {
      const [oldestKey, oldest] = agents.entries().next().value as [string, http.Agent];
      agents.delete(oldestKey);
      // Idle connections go now; ones in use (a watch) finish their request, then close instead of idling.
      oldest.maxFreeSockets = 0;
      for (const sockets of Object.values(oldest.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    }
    agents.set(key, agent);
    return agent;
  };
  return kubeConfig;
}

/** A KubeConfig from a file, or from the default places (KUBECONFIG, ~/.kube/config, in-cluster), reusing connections. */
export function loadKubeConfig(file?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (file) kubeConfig.loadFromFile(file);
  else kubeConfig.loadFromDefault();
  return withConnectionReuse(kubeConfig);
}
