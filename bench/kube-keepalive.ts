/**
 * Kubernetes requests over kept-alive connections, for filling the sandbox fast (thousands of objects):
 * @kubernetes/client-node 1.4 makes a new https.Agent per request, so each of its requests is a full TLS
 * handshake on both sides. Only the bench's set-up uses this; what is measured goes through client-node.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

const MAX_BODY_BYTES = 16 * 2 ** 20;

export type KubeRequest = (method: string, path: string, body: unknown, contentType?: string) => Promise<unknown>;

/** A requester to the kubeconfig's current cluster with up to `sockets` kept-alive connections. */
export async function keepAliveRequester(kc: KubeConfig, sockets: number): Promise<{ send: KubeRequest; close: () => void }> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no current cluster');
  const auth: RequestOptions = {};
  await kc.applyToHTTPSOptions(auth);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, ca: auth.ca, cert: auth.cert, key: auth.key, rejectUnauthorized: auth.rejectUnauthorized });
  const url = new URL(server);
  const send: KubeRequest = (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = request({ agent, hostname: url.hostname, port: url.port, method, path, headers: { ...auth.headers, 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) return void req.destroy(new Error(`${method} ${path}: answer over ${MAX_BODY_BYTES} bytes`));
          chunks.push(chunk);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) return reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 500)}`));
          resolve(JSON.parse(text));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  return { send, close: () => agent.destroy() };
}
