/**
 * bench: what the workflow bundle costs the worker, without a server. Bundles workflows/ once, prints its size
 * and what it holds, then replays the recorded histories (test/fixtures/histories) many times in one replay
 * worker: each replay is a workflow created in Temporal's reusable VM, which imports the bundle's workflow
 * modules afresh, so module-level work in the import graph (zod schemas, say) is paid once per replay.
 * Prints wall and process CPU per replay for each round; compare runs of two commits on the same host.
 * Usage: npx tsx bench/workflow-replay.ts [--copies=N] [--rounds=R]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { bundledModules, bundleWorkflows } from '../test/support/workflow-bundle.js';
import { percentile } from './bench-sandbox.js';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const COPIES = Number(flag('copies') ?? 20);
const ROUNDS = Number(flag('rounds') ?? 5);

Runtime.install({ logger: new DefaultLogger('WARN') });
const code = await bundleWorkflows();
const modules = bundledModules(code);
const count = (test: (path: string) => boolean) => modules.filter(test).length;
console.log(`bundle: ${Math.round(code.length / 1024)} KiB, ${modules.length} modules (zod: ${count((p) => p.includes('node_modules/zod/'))}, core/api: ${count((p) => p.includes('/core/api/'))})`);

const dir = join(import.meta.dirname, '..', 'test', 'fixtures', 'histories');
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f, history: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown }));
const n = histories.length * COPIES;

const perReplay: { wallMs: number; cpuMs: number }[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const batch = Array.from({ length: COPIES }, (_, copy) => histories.map((h) => ({ workflowId: `${h.name}-${copy}`, history: h.history }))).flat();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code }, replayName: `bench-${round}` }, batch)) {
    if (result.error) throw new Error(`replay of ${result.workflowId} failed: ${String(result.error)}`);
  }
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  perReplay.push({ wallMs: wallMs / n, cpuMs: cpuMs / n });
  console.log(`round ${round + 1}: ${n} replays in ${Math.round(wallMs)} ms wall, ${Math.round(cpuMs)} ms CPU: ${(wallMs / n).toFixed(2)} ms wall, ${(cpuMs / n).toFixed(2)} ms CPU per replay`);
}
const median = (xs: number[]) => percentile(xs, 50);
console.log(`median per replay over ${ROUNDS} rounds: ${median(perReplay.map((r) => r.wallMs)).toFixed(2)} ms wall, ${median(perReplay.map((r) => r.cpuMs)).toFixed(2)} ms CPU`);
