/**
 * Ties every server `npm run dev` starts to a reaper process, so that none outlives it even when it is killed
 * with SIGKILL. Node has no PR_SET_PDEATHSIG; what the kernel does guarantee is that a dead process's file
 * descriptors are closed. So the reaper (sandbox/reaper-main.ts) is started first, in a session of its own
 * (Ctrl-C and a closed terminal do not reach it), reading a pipe whose only write end `npm run dev` holds.
 * Over that pipe it learns the process group of each server as it starts ("+pgid name") and ends ("-pgid").
 * EOF means `npm run dev` is gone: the reaper stops the groups still listed and exits. A clean stop of the
 * sandbox leaves the list empty, so the reaper simply exits. One event-driven process, no polling of pids
 * that may be reused, and no wrapper around each server.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ProcessGuard } from './process.js';

const ROOT = join(import.meta.dirname, '..');
const REAPER_MAIN = join(import.meta.dirname, 'reaper-main.ts');

export interface Reaper extends ProcessGuard {
  readonly pid: number | undefined;
  /** Tells the reaper this process is about to end on purpose; resolves once it has been told. */
  close(): Promise<void>;
}

/** Applies one line of the reaper's protocol to the groups it watches; unknown lines are ignored. */
export function applyReaperLine(groups: Map<number, string>, line: string): void {
  const match = /^([+-])(\d+)(?: (.*))?$/.exec(line.trim());
  if (!match) return;
  const pgid = Number(match[2]);
  if (match[1] === '+') groups.set(pgid, match[3] ?? `pgid ${pgid}`);
  else groups.delete(pgid);
}

export function startReaper(logger: Logger): Reaper {
  // Run with tsx like the rest of the sandbox; its output goes to the terminal of `npm run dev`.
  const child = spawn(process.execPath, ['--import', 'tsx', REAPER_MAIN, String(process.pid)], {
    cwd: ROOT,
    detached: true,
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  const pipe = child.stdin as Socket;
  // Neither the reaper nor its pipe keeps this process alive.
  child.unref();
  pipe.unref();
  let closing = false;
  child.on('exit', (code, signal) => {
    if (!closing) logger.error({ childPid: child.pid, code, signal }, 'the dev reaper ended: servers would outlive a killed npm run dev');
  });
  pipe.on('error', (err) => logger.error({ err }, 'could not tell the dev reaper'));
  const send = (line: string) => {
    if (!closing) pipe.write(`${line}\n`);
  };
  return {
    pid: child.pid,
    track: (pgid, name) => send(`+${pgid} ${name.replaceAll('\n', ' ')}`),
    untrack: (pgid) => send(`-${pgid}`),
    close() {
      closing = true;
      if (pipe.destroyed) return Promise.resolve(); // the reaper is gone already; that was logged
      return new Promise((resolve) => {
        pipe.once('close', resolve);
        pipe.end(() => resolve());
      });
    },
  };
}
