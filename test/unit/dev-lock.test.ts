// One `npm run dev` at a time; a lock whose holder is gone (dead, or its pid now someone else's) never blocks.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const children: ChildProcess[] = [];

/** The dev-env module with `.dev/` in a fresh directory, the lock file holding `holder` if given. */
async function devEnvWithLock(holder?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'dev-lock-'));
  if (holder !== undefined) writeFileSync(join(dir, 'dev.pid'), String(holder));
  vi.stubEnv('ORCHESTRATION_DEV_DIR', dir);
  vi.resetModules();
  return { dir, devEnv: await import('../../sandbox/dev-env.js') };
}

/** A live process whose command line shows `argv0`, as `npm run dev`'s shows sandbox/dev.ts. */
async function sleeper(argv0: string): Promise<number> {
  const child = spawn('bash', ['-c', `exec -a "${argv0}" sleep 60`], { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  // Wait until bash has exec'd, so the command line is the one asked for.
  for (let i = 0; i < 100 && !readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').startsWith(argv0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child.pid!;
}

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid!;
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  vi.unstubAllEnvs();
});

describe('acquireDevLock', () => {
  it('takes a free lock and records its pid', async () => {
    const { dir, devEnv } = await devEnvWithLock();
    expect(devEnv.acquireDevLock()).toEqual({ ok: true });
    expect(readFileSync(join(dir, 'dev.pid'), 'utf8')).toBe(String(process.pid));
  });

  it('refuses while a live npm run dev holds it, naming its pid', async () => {
    const pid = await sleeper('node sandbox/dev.ts');
    const { devEnv } = await devEnvWithLock(pid);
    expect(devEnv.acquireDevLock()).toEqual({ ok: false, pid });
  });

  it('takes a lock whose holder is dead', async () => {
    const { dir, devEnv } = await devEnvWithLock(await deadPid());
    expect(devEnv.acquireDevLock()).toEqual({ ok: true });
    expect(readFileSync(join(dir, 'dev.pid'), 'utf8')).toBe(String(process.pid));
  });

  it('takes a lock whose pid now belongs to another program', async () => {
    const { devEnv } = await devEnvWithLock(await sleeper('sleep'));
    expect(devEnv.acquireDevLock()).toEqual({ ok: true });
  });
});

describe('removeStaleDevEnv', () => {
  it('removes a .dev/env left behind, and says whether there was one', async () => {
    const { dir, devEnv } = await devEnvWithLock();
    writeFileSync(join(dir, 'env'), 'export TEMPORAL_ADDRESS=127.0.0.1:1\n');
    expect(devEnv.removeStaleDevEnv()).toBe(true);
    expect(existsSync(join(dir, 'env'))).toBe(false);
    expect(devEnv.removeStaleDevEnv()).toBe(false);
  });
});
