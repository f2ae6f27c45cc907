// `npm run dev` as a user runs it: it writes .dev/env, kubectl and the UI answer through it, a worker that dies
// is restarted, a second one refuses to start, Ctrl-C stops everything and removes .dev/env, and a SIGKILL
// leaves no process behind and only a stale .dev/env that the next `npm run dev` replaces.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probe } from '../../sandbox/http-probe.js';
import { waitFor } from '../../sandbox/wait.js';
import { runCommand } from '../support/run.js';

const root = join(import.meta.dirname, '..', '..');
const devDir = mkdtempSync(join(tmpdir(), 'dev-e2e-'));
const envFile = join(devDir, 'env');
const env = { ...process.env, ORCHESTRATION_DEV_DIR: devDir };
let dev: ChildProcess | undefined;
let output = '';

function startDev(): ChildProcess {
  output = '';
  const child = spawn('npm', ['run', 'dev'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
  return child;
}

/** The supervisor's log lines (pino JSON on stderr) about one of its services. */
function serviceLogs(name: string): { msg: string; childPid: number; signal?: string | null; restartInMs?: number }[] {
  return output.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { process?: string; msg: string; childPid: number };
      return entry.process === name ? [entry] : [];
    } catch {
      return []; // the banner, or a line still being written
    }
  });
}

function startedPids(name: string): number[] {
  return serviceLogs(name)
    .filter((entry) => entry.msg.startsWith(`${name} started`))
    .map((entry) => entry.childPid);
}

/**
 * Every live process that `npm run dev` started, found without trusting its own records: each inherits
 * ORCHESTRATION_DEV_DIR, unique to this test, from the environment the test gave `npm run dev`.
 */
function processesOfThisDev(): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(`ORCHESTRATION_DEV_DIR=${devDir}`)) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      found.push({ pid: Number(entry), command });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Waits until no process of this dev lives; on timeout the assertion lists the ones left. */
async function expectNoProcessLeft(timeoutMs: number): Promise<void> {
  const left = await waitFor(() => (processesOfThisDev().length === 0 ? [] : undefined), { what: 'no process left', timeoutMs }).catch(() =>
    processesOfThisDev(),
  );
  expect(left, `output so far:\n${output}`).toEqual([]);
}

function waitForEnvFile(timeoutMs: number, differentFrom?: string): Promise<true> {
  return waitFor(() => (existsSync(envFile) && readFileSync(envFile, 'utf8') !== differentFrom ? true : undefined), {
    what: `${envFile} (npm run dev output so far:\n${output})`,
    timeoutMs,
    failIf: () => (dev?.exitCode !== null ? `npm run dev exited ${dev?.exitCode}:\n${output}` : undefined),
  });
}

/** Applies examples/diamond.yaml under another name and waits until it Succeeded. */
async function runDiamond(name: string, timeoutMs: number): Promise<string> {
  const applied = await sourced(`sed 's/^  name: diamond$/  name: ${name}/' examples/diamond.yaml | kubectl apply -f -`);
  expect(applied.code, applied.stderr).toBe(0);
  return waitFor(
    async () => {
      const got = await sourced(`kubectl get orchrun ${name} -o jsonpath='{.status.phase} {.status.progress}'`);
      return got.stdout === 'Succeeded 4/4' ? got.stdout : undefined;
    },
    { what: `${name} Succeeded`, timeoutMs },
  );
}

/** Runs a shell line after `source .dev/env`, as the README tells a user to. */
function sourced(line: string) {
  return runCommand('bash', ['-c', `cd "${root}" && source "${envFile}" && ${line}`]);
}

afterAll(() => {
  try {
    if (dev?.pid) process.kill(-dev.pid, 'SIGKILL');
  } catch {
    // the group is already gone, as it should be
  }
});

describe('npm run dev', () => {
  it('starts the sandbox and writes .dev/env', { timeout: 300_000 }, async () => {
    dev = startDev();
    await waitForEnvFile(240_000);
    expect(readFileSync(envFile, 'utf8')).toMatch(/^export KUBECONFIG=.*\nexport TEMPORAL_ADDRESS=.*\nexport TEMPORAL_NAMESPACE=.*\nexport TEMPORAL_UI_URL=.*\nexport TEMPORAL_CLI=.*\n$/);
    expect(output).toContain('kubectl get orchrun -A');
  });

  it('answers kubectl get orchrun -A, the temporal CLI and the UI URL through .dev/env', async () => {
    const runs = await sourced('kubectl get orchrun -A');
    expect(runs.stderr.trim()).toBe('No resources found');
    expect(runs.code).toBe(0);
    const workflows = await sourced('"$TEMPORAL_CLI" workflow list --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE"');
    expect(workflows.code).toBe(0);
    const url = (await sourced('printf %s "$TEMPORAL_UI_URL"')).stdout;
    expect((await probe(url)).status).toBe(200);
  });

  it('runs examples/diamond.yaml end to end through the bridge and the worker', { timeout: 120_000 }, async () => {
    expect((await sourced('kubectl apply -f examples/diamond.yaml')).code).toBe(0);
    const phase = await waitFor(
      async () => {
        const got = await sourced("kubectl get orchrun diamond -o jsonpath='{.status.phase} {.status.progress}'");
        return got.stdout === 'Succeeded 4/4' ? got.stdout : undefined;
      },
      { what: 'examples/diamond.yaml Succeeded', timeoutMs: 90_000 },
    );
    expect(phase).toBe('Succeeded 4/4');
  });

  it('restarts the worker when it is SIGKILLed, says so, and a run still completes', { timeout: 300_000 }, async () => {
    const [first] = startedPids('worker');
    expect(first).toBeGreaterThan(0);
    process.kill(first!, 'SIGKILL');
    const died = await waitFor(() => serviceLogs('worker').find((e) => e.childPid === first && e.signal === 'SIGKILL'), {
      what: `the supervisor to report the worker's death (output so far:\n${output})`,
      timeoutMs: 30_000,
    });
    expect(died.msg).toMatch(new RegExp(`^worker \\(pid ${first}\\) killed by SIGKILL; restart 1 in 1 s \\(log .*worker\\.log\\)$`));
    const second = await waitFor(() => startedPids('worker').find((pid) => pid !== first), {
      what: `a new worker (output so far:\n${output})`,
      timeoutMs: 30_000,
    });
    expect(existsSync(`/proc/${second}`)).toBe(true);
    expect(await runDiamond('diamond-after-worker-restart', 240_000)).toBe('Succeeded 4/4');
    expect(startedPids('worker').at(-1)).toBe(second); // the new worker ran it, and did not die meanwhile
  });

  it('refuses a second npm run dev while one runs', async () => {
    const second = await runCommand('npm', ['run', 'dev'], { env: { ...env } });
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`npm run dev is already running (pid`);
  });

  it('stops everything on SIGINT and removes .dev/env', { timeout: 120_000 }, async () => {
    const address = (await sourced('printf %s "$TEMPORAL_ADDRESS"')).stdout;
    const kubeconfig = (await sourced('printf %s "$KUBECONFIG"')).stdout;
    const closed = new Promise<void>((resolve) => dev?.on('close', () => resolve()));
    // Ctrl-C in a terminal signals the whole foreground process group: npm, tsx and node alike.
    process.kill(-dev!.pid!, 'SIGINT');
    await closed;
    expect(output).toContain('"msg":"SIGINT: stopping the sandbox"');
    expect(existsSync(envFile)).toBe(false);
    // The sandbox's data directory (it holds the kubeconfig) is gone, and nothing listens any more.
    expect(existsSync(kubeconfig)).toBe(false);
    const [host, port] = address.split(':');
    const stillListening = await runCommand('bash', ['-c', `exec 3<>/dev/tcp/${host}/${port}`]);
    expect(stillListening.code).not.toBe(0);
    await expectNoProcessLeft(30_000);
  });

  it('leaves no process alive when npm run dev is SIGKILLed, and the next one starts despite the stale .dev/env', { timeout: 600_000 }, async () => {
    dev = startDev();
    await waitForEnvFile(240_000);
    const started = processesOfThisDev();
    // The scan must see what it is about to miss: the servers, the bridge, the worker and the reaper.
    for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'server start-dev', 'orchestration-bridge.js bridge', 'orchestration-bridge.js worker', 'reaper-main.ts']) {
      expect(started.map((p) => p.command).join('\n')).toContain(name);
    }
    // The process that holds the lock is `npm run dev`'s own: the supervisor.
    const supervisor = Number(readFileSync(join(devDir, 'dev.pid'), 'utf8'));
    expect(started.map((p) => p.pid)).toContain(supervisor);
    const stale = readFileSync(envFile, 'utf8');
    const exited = new Promise<void>((resolve) => dev?.on('exit', () => resolve()));
    process.kill(supervisor, 'SIGKILL');
    await exited; // npm itself ends; what it started is the reaper's to stop
    await expectNoProcessLeft(60_000);
    await waitFor(() => (output.includes('stopped every process npm run dev started') ? true : undefined), {
      what: `the reaper's report (output so far:\n${output})`,
      timeoutMs: 10_000,
    });
    expect(existsSync(envFile)).toBe(true); // stale, as nothing could remove it
    // The killed sandbox's temp directory stays too (its logs tell what happened); the test cleans it up.
    const staleDataDir = dirname(/^export KUBECONFIG='(.*)'$/m.exec(stale)![1]!);
    expect(existsSync(join(staleDataDir, 'logs', 'worker.log'))).toBe(true);
    rmSync(staleDataDir, { recursive: true, force: true });

    dev = startDev();
    await waitForEnvFile(300_000, stale);
    expect(output).toContain('removed the stale');
    const runs = await sourced('kubectl get orchrun -A');
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stderr.trim()).toBe('No resources found');
  });

  it('stops everything and removes .dev/env when the npm process itself is SIGKILLed', { timeout: 120_000 }, async () => {
    // `dev` is the npm process of the previous test's second `npm run dev`; the supervisor runs under npm → sh → tsx.
    process.kill(dev!.pid!, 'SIGKILL');
    await expectNoProcessLeft(60_000);
    expect(output).toMatch(/"msg":"launcher process \d+ ended: stopping the sandbox"/);
    expect(existsSync(envFile)).toBe(false);
  });
});
