/** `.dev/env`: the shell lines `npm run dev` writes for `source`, and the lock that allows one dev sandbox. */
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxEnv } from './index.js';
import { processAlive } from './proc.js';

/** `.dev/` of the checkout; ORCHESTRATION_DEV_DIR moves it (the e2e test runs a second dev sandbox this way). */
export const DEV_DIR = process.env.ORCHESTRATION_DEV_DIR ?? join(import.meta.dirname, '..', '.dev');
export const DEV_ENV_FILE = join(DEV_DIR, 'env');
const LOCK_FILE = join(DEV_DIR, 'dev.pid');
/** What the command line of the process holding the lock shows: `… sandbox/dev.ts`. */
const DEV_ENTRY = join('sandbox', 'dev.ts');

/** Single-quoted for POSIX shells, so `source .dev/env` reads every value verbatim. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function renderEnvFile(env: SandboxEnv): string {
  return Object.entries(env)
    .map(([key, value]) => `export ${key}=${shellQuote(value)}`)
    .join('\n')
    .concat('\n');
}

/**
 * True while `pid` lives and, where /proc tells, still runs this file's entry point: after a SIGKILL the pid
 * of a dead `npm run dev` may already belong to another process, which must not hold the lock.
 */
function devAlive(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(DEV_ENTRY);
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** The pid holding the lock, if that process lives. A lock file is only ever seen complete (see below). */
function holder(): number | undefined {
  try {
    const pid = Number(readFileSync(LOCK_FILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && devAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the dev lock, or returns the pid of the `npm run dev` that holds it. The pid is written to a
 * private file first and hard-linked into place, so the lock appears atomically with its content.
 */
export function acquireDevLock(): { ok: true } | { ok: false; pid: number } {
  mkdirSync(DEV_DIR, { recursive: true });
  const mine = `${LOCK_FILE}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(mine, LOCK_FILE);
        return { ok: true };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = holder();
        if (pid !== undefined) return { ok: false, pid };
        rmSync(LOCK_FILE, { force: true }); // left behind by a dev sandbox that was killed
      }
    }
    const pid = holder();
    if (pid !== undefined) return { ok: false, pid };
    throw new Error(`could not take the dev lock ${LOCK_FILE}`);
  } finally {
    rmSync(mine, { force: true });
  }
}

/** Removes a `.dev/env` left by a dev sandbox that was killed; call with the lock held. True if there was one. */
export function removeStaleDevEnv(): boolean {
  if (!existsSync(DEV_ENV_FILE)) return false;
  rmSync(DEV_ENV_FILE, { force: true });
  return true;
}

export function writeDevEnv(env: SandboxEnv): void {
  writeFileSync(DEV_ENV_FILE, renderEnvFile(env));
}

export function releaseDev(): void {
  rmSync(DEV_ENV_FILE, { force: true });
  rmSync(LOCK_FILE, { force: true });
}
