/**
 * CPU seconds of this process's descendants (the sandbox's temporal, kube-apiserver, etcd, ...) by command
 * name, read from /proc: at saturation the machine's cores are shared, so their cost per run counts too.
 */
import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

async function processTable(): Promise<{ pid: number; ppid: number; comm: string; cpuSeconds: number }[]> {
  const rows = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue; // exited meanwhile
    // comm may hold spaces and parentheses: the fields after it start at the last ')'.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    rows.push({ pid: Number(entry), ppid: Number(fields[1]), comm: stat.slice(stat.indexOf('(') + 1, close), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
  }
  return rows;
}

/** CPU seconds so far of every descendant of this process, summed by command name; none on other systems. */
export async function descendantCpu(): Promise<Map<string, number>> {
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
  const byName = new Map<string, number>();
  for (const row of table) if (row.pid !== process.pid && mine.has(row.pid)) byName.set(row.comm, (byName.get(row.comm) ?? 0) + row.cpuSeconds);
  return byName;
}
