/**
 * What a block of the bench costs: CPU seconds and peak RSS of this process (bridge, worker with its
 * workflow threads, the bench's clients) and of the sandbox's servers by name, and for bridge blocks the
 * apiserver's own request counts (apiserver_request_total) grown over the block.
 */
import { apiserverRequestCounts, countsSince } from './bench-sandbox.js';
import { descendantCpu, descendantRss } from './process-cpu.js';

const SAMPLE_MS = 250;

export interface BlockCost {
  seconds: number;
  cpuSeconds: number;
  serverCpuSeconds: Record<string, number>;
  peakRssMb: number;
  serverPeakRssMb: Record<string, number>;
  /** `code verb resource[/subresource]` → requests over the block; bridge blocks only. */
  apiserverRequests?: Record<string, number>;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Starts measuring; the returned function ends the block and says what it cost. */
export async function meterBlock(options: { kubeconfig: string; countRequests: boolean }): Promise<() => Promise<BlockCost>> {
  const requestsBefore = options.countRequests ? await apiserverRequestCounts(options.kubeconfig) : undefined;
  const cpu = process.cpuUsage();
  const serversBefore = await descendantCpu();
  const started = performance.now();
  let peak = process.memoryUsage().rss;
  const serverPeak = new Map<string, number>();
  let sampling: Promise<void> = Promise.resolve();
  const sample = async () => {
    peak = Math.max(peak, process.memoryUsage().rss);
    for (const [name, bytes] of await descendantRss()) serverPeak.set(name, Math.max(serverPeak.get(name) ?? 0, bytes));
  };
  const sampler = setInterval(() => {
    sampling = sampling.then(sample);
  }, SAMPLE_MS);
  return async () => {
    clearInterval(sampler);
    await sampling;
    await sample();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const serverCpuSeconds: Record<string, number> = {};
    for (const [name, spent] of await descendantCpu()) {
      const grown = spent - (serversBefore.get(name) ?? 0);
      if (grown > 0) serverCpuSeconds[name] = Number(grown.toFixed(2));
    }
    const cost: BlockCost = {
      seconds: Number(seconds.toFixed(2)),
      cpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(2)),
      serverCpuSeconds,
      peakRssMb: mb(peak),
      serverPeakRssMb: Object.fromEntries([...serverPeak].map(([name, bytes]) => [name, mb(bytes)])),
    };
    if (requestsBefore) cost.apiserverRequests = Object.fromEntries(countsSince(requestsBefore, await apiserverRequestCounts(options.kubeconfig)).sort());
    return cost;
  };
}

/** Requests answered 409 Conflict in a block's counts. */
export const conflictsIn = (requests: Record<string, number> | undefined): number =>
  Object.entries(requests ?? {}).reduce((sum, [key, n]) => sum + (key.startsWith('409 ') ? n : 0), 0);
