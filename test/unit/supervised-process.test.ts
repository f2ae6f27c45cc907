// The dev supervisor's restart loop, with real (tiny) processes: a death is logged and followed by a restart
// after the policy's delay; stop() ends the running one and starts no other.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { processAlive } from '../../sandbox/proc.js';
import { SupervisedProcess } from '../../sandbox/supervised-process.js';
import { waitFor } from '../../sandbox/wait.js';

type Entry = { msg: string; process?: string; childPid?: number; code?: number | null; signal?: string | null; restart?: number; restartInMs?: number };

function capture(): { logger: pino.Logger; entries: Entry[] } {
  const entries: Entry[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) entries.push(JSON.parse(line) as Entry);
      done();
    },
  });
  return { logger: pino({ name: 'test' }, sink), entries };
}

const policy = { initialDelayMs: 50, factor: 2, maxDelayMs: 200, resetAfterMs: 60_000 };
const logFile = () => join(mkdtempSync(join(tmpdir(), 'supervised-')), 'child.log');

describe('SupervisedProcess', () => {
  it('restarts a process that keeps dying, with growing delays, and says how each died', async () => {
    const { logger, entries } = capture();
    const flaky = new SupervisedProcess({ name: 'flaky', command: 'sh', args: ['-c', 'exit 3'], logFile: logFile() }, logger, policy);
    await waitFor(() => (flaky.restarts >= 3 ? true : undefined), { what: 'three restarts', timeoutMs: 10_000 });
    await flaky.stop();
    const deaths = entries.filter((e) => e.restartInMs !== undefined);
    expect(deaths.slice(0, 3).map((e) => [e.code, e.restart, e.restartInMs])).toEqual([
      [3, 1, 50],
      [3, 2, 100],
      [3, 3, 200],
    ]);
    expect(deaths[0]!.msg).toMatch(/^flaky \(pid \d+\) exited with code 3; restart 1 in 0\.1 s \(log .*child\.log\)$/);
    expect(flaky.lastExit).toContain('flaky exited with code 3');
  });

  it('reports the signal that killed it and starts a new process with another pid', async () => {
    const { logger, entries } = capture();
    const sleeper = new SupervisedProcess({ name: 'sleeper', command: 'sleep', args: ['60'], logFile: logFile() }, logger, policy);
    const first = sleeper.pid!;
    process.kill(first, 'SIGKILL');
    const second = await waitFor(() => (sleeper.pid !== undefined && sleeper.pid !== first ? sleeper.pid : undefined), {
      what: 'a new sleeper',
      timeoutMs: 10_000,
    });
    expect(entries.find((e) => e.childPid === first && e.signal === 'SIGKILL')?.msg).toMatch(/killed by SIGKILL; restart 1 in/);
    await sleeper.stop();
    expect(processAlive(second)).toBe(false);
    // stop() resolves only once the restart loop has ended, so nothing can start after it.
    expect(sleeper.pid).toBeUndefined();
    expect(sleeper.restarts).toBe(1);
  });
});
