/**
 * The dev reaper (see sandbox/reaper.ts): reads "+pgid name" / "-pgid" lines on stdin; at EOF, which the kernel
 * delivers when `npm run dev` ends however it ends, it stops the process groups still listed and exits.
 */
import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import { processGroupAlive } from './proc.js';
import { applyReaperLine } from './reaper.js';

const GRACE_MS = 10_000;
const supervisorPid = process.argv[2] ?? '?';
const destination = pino.destination({ dest: 2, sync: true });
destination.on('error', () => undefined); // the terminal may be gone; stopping the servers matters more
const logger = pino({ name: 'dev-reaper' }, destination);
const groups = new Map<number, string>();

function signalGroups(pgids: number[], signal: NodeJS.Signals): void {
  for (const pgid of pgids) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // gone meanwhile
    }
  }
}

async function allGone(deadlineMs: number): Promise<number[]> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const alive = [...groups.keys()].filter(processGroupAlive);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await delay(100);
  }
}

let reaping = false;
async function reap(): Promise<void> {
  if (reaping) return;
  reaping = true;
  const listed = [...groups.keys()];
  if (listed.length === 0) process.exit(0);
  signalGroups(listed, 'SIGTERM');
  const names = listed.map((pgid) => `${groups.get(pgid)} (${pgid})`);
  try {
    logger.warn({ supervisorPid, processes: names }, `npm run dev (pid ${supervisorPid}) ended without stopping what it started; stopping it`);
  } catch {
    // as above
  }
  let alive = await allGone(GRACE_MS);
  const killed = alive.map((pgid) => groups.get(pgid));
  if (alive.length > 0) {
    signalGroups(alive, 'SIGKILL');
    alive = await allGone(5_000);
  }
  try {
    if (alive.length > 0) logger.error({ left: alive.map((pgid) => groups.get(pgid)) }, 'some processes survived SIGKILL');
    else logger.info({ processes: names, killedAfterGrace: killed }, 'stopped every process npm run dev started');
  } catch {
    // as above
  }
  process.exit(alive.length > 0 ? 1 : 0);
}

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) applyReaperLine(groups, line);
});
process.stdin.on('end', () => void reap());
process.stdin.on('error', () => void reap());
