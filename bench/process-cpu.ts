/**
 * CPU seconds and resident memory of this process's descendants (the sandbox's temporal, kube-apiserver,
 * etcd, ...; a bridge started as a process of its own) by command name, read from /proc: at saturation the
 * machine's cores are shared, so their cost per run counts too.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const PAGE_BYTES = 4096; // the page size of x86-64 and arm64 Linux as built by distributions

interface ProcessRow {
  pid: number;
  ppid: number;
  comm: string;
  cpuSeconds: number;
  rssBytes: number;
}

async function processTable(): Promise<ProcessRow[]> {
  const rows = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue; // exited meanwhile
    rows.push({ pid: Number(entry), ...parseStat(stat) });
  }
  return rows;
}

/** The fields of a /proc/<pid>/stat line this module reads. */
function parseStat(stat: string): Omit<ProcessRow, 'pid'> {
  // comm may hold spaces and parentheses: the fields after it start at the last ')'.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    ppid: Number(fields[1]),
    comm: stat.slice(stat.indexOf('(') + 1, close),
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    rssBytes: Number(fields[21]) * PAGE_BYTES,
  };
}

/** CPU seconds (user + system) one process has used so far. */
export function processCpuSeconds(pid: number): number {
  return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).cpuSeconds;
}

/** Every descendant of this process (not itself); none on systems without /proc. */
async function descendants(): Promise<ProcessRow[]> {
  const table = await processTable().catch(() => []);
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of table) {
      if (mine.has(row.pid) || !mine.has(row.ppid)) continue;
      mine.add(row.pid);
      grew = true;
    }
  }
  return table.filter((row) => row.pid !== process.pid && mine.has(row.pid));
}

const byName = (rows: ProcessRow[], value: (row: ProcessRow) => number) => {
  const out = new Map<string, number>();
  for (const row of rows) out.set(row.comm, (out.get(row.comm) ?? 0) + value(row));
  return out;
};

/** CPU seconds so far of every descendant of this process, summed by command name. */
export async function descendantCpu(): Promise<Map<string, number>> {
  return byName(await descendants(), (row) => row.cpuSeconds);
}

/** Resident bytes now of every descendant of this process, summed by command name. */
export async function descendantRss(): Promise<Map<string, number>> {
  return byName(await descendants(), (row) => row.rssBytes);
}
