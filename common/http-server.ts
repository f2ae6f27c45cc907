/** /metrics (Prometheus), /healthz (the process lives) and /readyz (caches synced, Temporal reachable). */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export function startHttpServer(port: number, registry: Registry, ready: () => Promise<boolean>): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
      } else if (req.url === '/healthz') {
        res.writeHead(200).end('ok');
      } else if (req.url === '/readyz') {
        const ok = await ready().catch(() => false);
        res.writeHead(ok ? 200 : 503).end(ok ? 'ok' : 'not ready');
      } else {
        res.writeHead(404).end();
      }
    })().catch(() => res.writeHead(500).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
