/**
 * Row: the bridge's memory holding many finished runs in its informer cache. The runs are copies of one real
 * finished run (its spec and its status, written through the status subresource), so no workflow runs for
 * them; a bridge process of its own (the built entry point, as operators run it) starts on their namespace,
 * and its RSS and heap are read once its informers synced and it reconciled each run once.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { API_GROUP, API_GROUP_VERSION, API_VERSION, ORCHESTRATION_RUN_KIND, ORCHESTRATION_RUN_PLURAL, workflowIdFor, type OrchestrationRun } from '../../core/index.js';
import { entryPointArgs } from '../../sandbox/entry-point.js';
import { freePort } from '../../sandbox/ports.js';
import { ManagedProcess } from '../../sandbox/process.js';
import { waitFor } from '../../sandbox/wait.js';
import { sleepChain } from '../bench-sandbox.js';
import { NAMESPACE, type Harness } from '../harness.js';
import { round, type Row } from '../report.js';
import type { Sizes } from '../sizes.js';
import { sortWrites } from './api-writes.js';
import { processCpuSeconds } from '../process-cpu.js';

const CACHE_NAMESPACE = 'bench-cache';
const FILL_IN_FLIGHT = 8;
const runsOf = { group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_RUN_PLURAL };
const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

/** A real run of a 3-step chain, once its status records its end as a finished run of the bridge does. */
async function finishedTemplate(h: Harness): Promise<OrchestrationRun> {
  await h.createRun('cache-template', sleepChain(3));
  await h.phases.seenIn('cache-template', 'Succeeded');
  return waitFor(
    async () => {
      const run = (await h.ctx.api.getNamespacedCustomObject({ ...runsOf, namespace: NAMESPACE, name: 'cache-template' })) as OrchestrationRun;
      const ended = run.status?.completionTime && run.status.conditions?.some((c) => c.type === 'Succeeded' && c.status === 'True');
      return ended ? run : undefined;
    },
    { what: 'the template run recorded its end', timeoutMs: 60_000 },
  );
}

/** n copies of the template in CACHE_NAMESPACE: created, then given its status (no workflow runs for them). */
async function fillCache(h: Harness, template: OrchestrationRun, n: number): Promise<void> {
  const { kc } = h.ctx;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: CACHE_NAMESPACE } } });
  // The harness's KubeConfig keeps its connections (common/kube-config.ts): thousands of requests, no handshake each.
  const { api } = h.ctx;
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const target = { ...runsOf, namespace: CACHE_NAMESPACE };
  let next = 0;
  await Promise.all(
    Array.from({ length: FILL_IN_FLIGHT }, async () => {
      while (next < n) {
        const name = `finished-${next++}`;
        if (next % 1000 === 0) console.log(`  ${next} of ${n} finished runs created`);
        const created = (await api.createNamespacedCustomObject({ ...target, body: { apiVersion: API_GROUP_VERSION, kind: ORCHESTRATION_RUN_KIND, metadata: { name }, spec: template.spec } })) as { metadata: { uid: string } };
        const workflowId = workflowIdFor({ namespace: CACHE_NAMESPACE, name, uid: created.metadata.uid });
        const status = { ...template.status, ...(template.status?.temporal ? { temporal: { ...template.status.temporal, workflowId } } : {}) };
        await api.patchNamespacedCustomObjectStatus({ ...target, name, body: { status } }, merge);
      }
    }),
  );
}

/** Sums of the bridge's counters by metric name, from its /metrics. */
async function bridgeCounters(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+_total)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (m) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return out;
}

const procStatusKb = (pid: number, field: string) => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
};

/** Starts the bridge on CACHE_NAMESPACE, waits until it reconciled every run once, and reads its memory. */
async function measureBridge(h: Harness, n: number) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-cache-bridge-'));
  const report = join(dir, 'memory.json');
  const bridge = new ManagedProcess({
    name: 'bench-cache-bridge',
    command: process.execPath,
    args: ['--expose-gc', '--import', fileURLToPath(new URL('../memory-report.mjs', import.meta.url)), ...entryPointArgs('bridge')],
    logFile: join(dir, 'bridge.log'),
    env: {
      ...process.env,
      KUBECONFIG: h.ctx.kubeconfig,
      TEMPORAL_ADDRESS: h.ctx.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      ORCHESTRATION_TASK_QUEUE: 'bench-cache',
      JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES: CACHE_NAMESPACE,
      BRIDGE_LEASE_NAME: 'bench-cache-bridge',
      BRIDGE_LEASE_NAMESPACE: CACHE_NAMESPACE,
      BRIDGE_HTTP_PORT: String(port),
      BENCH_MEMORY_REPORT: report,
    },
  });
  try {
    const started = Date.now();
    // Logged once controller.start() resolved: the informers listed every run.
    await waitFor(() => (bridge.logTail(50).includes('"bridge reconciling"') ? true : undefined), { what: 'the cache bridge synced', timeoutMs: 300_000, failIf: () => bridge.exitMessage() });
    const syncedMs = Date.now() - started;
    const syncedRss = procStatusKb(bridge.pid!, 'VmRSS');
    // Each run reconciled once (the informer's add), and nothing more waiting: two equal readings.
    let last = -1;
    const counters = await waitFor(
      async () => {
        const now = await bridgeCounters(port);
        const reconciles = now.get('orchestration_bridge_reconciles_total') ?? 0;
        const settled = reconciles >= n && reconciles === last;
        last = reconciles;
        return settled ? now : undefined;
      },
      { what: `the cache bridge reconciled ${n} runs`, timeoutMs: 600_000, intervalMs: 1000, failIf: () => bridge.exitMessage() },
    );
    const rss = procStatusKb(bridge.pid!, 'VmRSS');
    const peakRss = procStatusKb(bridge.pid!, 'VmHWM');
    process.kill(bridge.pid!, 'SIGUSR2');
    const cpuSeconds = processCpuSeconds(bridge.pid!);
    const memory = await waitFor(async () => JSON.parse(await readFile(report, 'utf8')) as { before: NodeJS.MemoryUsage; afterGc: NodeJS.MemoryUsage }, { what: 'the cache bridge memory report', timeoutMs: 30_000 });
    return { syncedMs, syncedRss, rss, peakRss, cpuSeconds, memory, counters: Object.fromEntries(counters) };
  } finally {
    await bridge.stop();
  }
}

export async function cacheRssRow(h: Harness, sizes: Sizes): Promise<Row> {
  const n = sizes.cachedRuns;
  const template = await finishedTemplate(h);
  const filling = Date.now();
  await fillCache(h, template, n);
  const fillSeconds = round((Date.now() - filling) / 1000, 1);
  const managedFields = async (namespace: string, name: string) =>
    ((await h.ctx.api.getNamespacedCustomObject({ ...runsOf, namespace, name })) as { metadata: { managedFields?: unknown[] } }).metadata.managedFields?.length ?? 0;
  // What the copies lack against a real run: the field managers' entries (the copies have the bench's only).
  const managedFieldEntries = { realRun: await managedFields(NAMESPACE, 'cache-template'), copy: await managedFields(CACHE_NAMESPACE, 'finished-0') };
  const { result, record } = await h.block('cache-rss', 'bridge', `bridge process holding ${n} finished runs`, 0, () => measureBridge(h, n));
  // Deleted in the background: this row comes last, nothing after it is measured.
  await h.ctx.kc.makeApiClient(CoreV1Api).deleteNamespace({ name: CACHE_NAMESPACE });
  const writes = sortWrites(record.apiserverRequests ?? {});
  const value = result.rss / 2 ** 20;
  const objectBytes = Buffer.byteLength(JSON.stringify(template));
  return {
    id: 'cache-rss',
    ratio: `the bridge's RSS holding ${n.toLocaleString('en-US')} finished runs in its cache`,
    raw: '—',
    bridge: `RSS ${mb(result.rss)} MB (peak ${mb(result.peakRss)}), heapUsed ${mb(result.memory.before.heapUsed)} MB (${mb(result.memory.afterGc.heapUsed)} after a full GC)`,
    value,
    unit: 'MB',
    goal: '≤ 200 MB',
    met: value <= 200,
    method: `${n} copies of one real finished 3-step run (spec, and its status written through the status subresource; about ${(objectBytes / 1024).toFixed(1)} KiB each as JSON) in a namespace of their own; the built bridge (node dist/bin/orchestration-bridge.js bridge) started in a process of its own on it; RSS from /proc once it logged "bridge reconciling" (caches synced) and reconciled each run; heap from process.memoryUsage() through a preload (bench/memory-report.mjs) on SIGUSR2`,
    detail: {
      runs: n,
      fillSeconds,
      syncedMs: result.syncedMs,
      bridgeCpuSeconds: result.cpuSeconds,
      rssAtSyncMb: mb(result.syncedRss),
      rssMb: mb(result.rss),
      peakRssMb: mb(result.peakRss),
      heapUsedMb: mb(result.memory.before.heapUsed),
      heapUsedAfterGcMb: mb(result.memory.afterGc.heapUsed),
      rssAfterGcMb: mb(result.memory.afterGc.rss),
      templateObjectBytes: objectBytes,
      managedFieldEntries,
      // A bridge that leaves finished runs alone writes nothing and reads no workflow.
      bridgeWritesToRuns: writes.statusWrites + writes.metadataWrites + writes.events,
      bridgeCounters: result.counters,
    },
  };
}
