/**
 * Notices when whatever launched `npm run dev` is gone. npm → sh → tsx → sandbox/dev.ts: killing npm or tsx
 * (even with SIGKILL) ends neither sh nor this process, which would keep the sandbox running without a terminal.
 */
import { readFileSync } from 'node:fs';
import { processAlive, procStat } from './proc.js';

function isNpm(pid: number): boolean {
  try {
    return /^npm\b/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

/** This process's ancestors up to the nearest npm process (read from /proc); only the parent when there is none. */
export function launcherPids(): number[] {
  const chain: number[] = [];
  for (let pid = process.ppid; pid > 1 && chain.length < 6; ) {
    chain.push(pid);
    if (isNpm(pid)) return chain;
    const parent = procStat(pid)?.ppid;
    if (parent === undefined) break;
    pid = parent;
  }
  return [process.ppid];
}

/** Calls `onGone` once, within about `intervalMs`, after the parent or any other launcher has ended. */
export function watchLaunchers(onGone: (pid: number) => void, intervalMs = 1000): void {
  const parent = process.ppid;
  const launchers = launcherPids();
  const timer = setInterval(() => {
    const gone = process.ppid !== parent ? parent : launchers.find((pid) => !processAlive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  timer.unref();
}
