// `npm run bench -- --quick` as a user runs it: the harness starts its own sandbox, runs every row of issue 12
// at tiny sizes and writes its result. Asserted: every row is there with a number and its goal. Never
// asserted: any number against its goal (speed is the bench's to report, not a test's to judge).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../support/run.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
/** Every row the bench prints: the names --only takes, and the conflicts counted over them. */
const ROWS = ['throughput', 'idle', 'burst', 'step-overhead', 'fan-out', 'api-writes', 'cancel', 'queue', 'largest-dag', 'scale-workers', 'scale-namespaces', 'schedule-firings', 'cache-rss', 'conflicts'];

interface Result {
  quick: boolean;
  rows: { id: string; value: unknown; goal: unknown; met: unknown; method: unknown; raw: unknown; bridge: unknown }[];
  blocks: { row: string; side: string; cpuSeconds: unknown; peakRssMb: unknown }[];
}

describe('npm run bench -- --quick', () => {
  it('runs every row and writes each with a number and its goal', { timeout: 360_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bench-quick-')), 'latest.json');
    const run = await runCommand(process.execPath, [TSX, join(ROOT, 'bench', 'bench.ts'), '--quick', `--out=${out}`]);
    expect(run.code, `bench failed:\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`).toBe(0);
    expect(run.stdout).toContain('| row | ratio | raw | bridge | measured | goal | met |');

    const result = JSON.parse(readFileSync(out, 'utf8')) as Result;
    expect(result.quick).toBe(true);
    expect([...new Set(result.rows.map((r) => r.id))].sort()).toEqual([...ROWS].sort());
    expect(result.rows.filter((r) => r.id === 'api-writes')).toHaveLength(3); // S = three sizes
    expect(result.rows.filter((r) => r.id === 'largest-dag')).toHaveLength(2); // chain and fan-out
    for (const row of result.rows) {
      expect(Number.isFinite(row.value), `row ${row.id}: value ${String(row.value)}`).toBe(true);
      expect(row.goal, `row ${row.id}: goal`).toEqual(expect.stringMatching(/\S/));
      expect(typeof row.met, `row ${row.id}: met`).toBe('boolean');
      expect(row.method, `row ${row.id}: method`).toEqual(expect.stringMatching(/\S/));
    }
    // Each side of each row measured in blocks of its own, with their cost.
    for (const id of ['throughput', 'burst', 'step-overhead', 'fan-out', 'cancel']) {
      expect(new Set(result.blocks.filter((b) => b.row === id).map((b) => b.side)), `blocks of ${id}`).toEqual(new Set(['raw', 'bridge']));
    }
    for (const block of result.blocks) {
      expect(Number.isFinite(block.cpuSeconds) && Number.isFinite(block.peakRssMb), `block ${block.row} ${block.side}`).toBe(true);
    }
  });
});
