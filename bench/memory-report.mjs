// Loaded with `node --import` into a bridge process the bench starts (bench/rows/cache-rss.ts): on SIGUSR2 it
// writes process.memoryUsage(), before and after a full collection (the process runs with --expose-gc), to the
// file named by BENCH_MEMORY_REPORT. The bridge's own code is unchanged.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_MEMORY_REPORT;
if (file) {
  process.on('SIGUSR2', () => {
    const before = process.memoryUsage();
    globalThis.gc?.();
    writeFileSync(file, JSON.stringify({ before, afterGc: process.memoryUsage() }));
  });
}
