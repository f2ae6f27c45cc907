// `npm run dev` as a user runs it: it writes .dev/env, kubectl and the UI answer through it, a second one
// refuses to start, and Ctrl-C stops everything and removes .dev/env.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const child = spawn('npm', ['run', 'dev'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
  return child;
}

/** Runs a shell line after `source .dev/env`, as the README tells a user to. */
function sourced(line: string) {
  return runCommand('bash', ['-c', `source "${envFile}" && ${line}`]);
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
    await waitFor(() => (existsSync(envFile) ? true : undefined), {
      what: `${envFile} (npm run dev output so far:\n${output})`,
      timeoutMs: 240_000,
      failIf: () => (dev?.exitCode !== null ? `npm run dev exited ${dev?.exitCode}:\n${output}` : undefined),
    });
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
    expect(output).toContain('[dev] SIGINT: stopping the sandbox');
    expect(existsSync(envFile)).toBe(false);
    // The sandbox's data directory (it holds the kubeconfig) is gone, and nothing listens any more.
    expect(existsSync(kubeconfig)).toBe(false);
    const [host, port] = address.split(':');
    const stillListening = await runCommand('bash', ['-c', `exec 3<>/dev/tcp/${host}/${port}`]);
    expect(stillListening.code).not.toBe(0);
  });
});
