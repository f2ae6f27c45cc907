// No Docker engine here, so the image is never built. This test lays out what its runtime stage holds —
// /app/package.json, /app/dist (npm run build) and /app/node_modules with production dependencies only — in a
// directory outside the repository (no sources, no tsconfig, no dev dependency in reach of dist/), and runs its
// ENTRYPOINT, `node dist/bin/orchestration-bridge.js`, as the image would.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../../sandbox/process.js';
import { waitFor } from '../../sandbox/wait.js';
import { runCommand } from '../support/run.js';
import { sandboxEnv, uniqueName } from '../support/sandbox.js';

const root = join(import.meta.dirname, '..', '..');
let app: string;
const started: ManagedProcess[] = [];

/** The packages `npm ci --omit=dev` puts at the top of node_modules, as symlinks into the repository's. */
async function linkProductionDependencies(target: string): Promise<string[]> {
  const listed = await runCommand('npm', ['ls', '--omit=dev', '--all', '--parseable', '--prefix', root]);
  expect(listed.code, listed.stderr).toBe(0);
  const top = listed.stdout
    .split('\n')
    .map((p) => relative(join(root, 'node_modules'), p))
    .filter((p) => p !== '' && !p.startsWith('..') && !p.includes(`${sep}node_modules${sep}`));
  for (const name of new Set(top)) {
    mkdirSync(dirname(join(target, name)), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), join(target, name));
  }
  return top;
}

function run(command: string[], env: Record<string, string>): ManagedProcess {
  const name = uniqueName(`image-${command.join('-') || 'none'}`);
  const proc = new ManagedProcess({
    name,
    command: process.execPath,
    args: [join(app, 'dist', 'bin', 'orchestration-bridge.js'), ...command],
    cwd: app,
    logFile: join(app, '..', `${name}.log`),
    // What the image's environment holds: no PATH to the repository's tools, no NODE_OPTIONS from vitest.
    env: { PATH: '/usr/bin:/bin', ...env },
  });
  started.push(proc);
  return proc;
}

beforeAll(async () => {
  app = join(mkdtempSync(join(tmpdir(), 'image-layout-')), 'app');
  mkdirSync(app);
  cpSync(join(root, 'package.json'), join(app, 'package.json'));
  cpSync(join(root, 'dist'), join(app, 'dist'), { recursive: true });
  const packages = await linkProductionDependencies(join(app, 'node_modules'));
  expect(packages).toContain('@temporalio/worker');
  expect(packages).not.toContain('tsx');
  expect(packages).not.toContain('typescript');
});

afterAll(async () => {
  for (const proc of started) await proc.stop();
  if (app) rmSync(dirname(app), { recursive: true, force: true });
});

const sandbox = () => {
  const env = sandboxEnv();
  return { KUBECONFIG: env.KUBECONFIG, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE, ORCHESTRATION_TASK_QUEUE: uniqueName('tq') };
};

async function runsUntilSigterm(proc: ManagedProcess, line: string): Promise<string> {
  await waitFor(() => (proc.logTail(50).includes(line) ? true : undefined), { what: `${proc.name}: ${line}`, timeoutMs: 60_000, failIf: () => proc.exitMessage() });
  const log = proc.logTail(50);
  await proc.stop(30_000);
  expect(await proc.exited).toEqual({ code: 0, signal: null });
  return log;
}

describe('the image layout (package.json, dist/, production node_modules)', () => {
  it('runs the worker from the prebuilt workflow bundle, and stops cleanly on SIGTERM', async () => {
    const log = await runsUntilSigterm(run(['worker'], { ...sandbox(), WORKER_HTTP_PORT: '0' }), '"worker started"');
    expect(log).toContain(`"workflows":"${join(app, 'dist', 'workflow-bundle.js')}"`);
  });

  it('runs the bridge, and stops cleanly on SIGTERM', async () => {
    const namespace = uniqueName('image');
    await runsUntilSigterm(
      run(['bridge'], { ...sandbox(), BRIDGE_HTTP_PORT: '0', JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES: namespace, BRIDGE_LEASE_NAMESPACE: namespace }),
      '"bridge starting"',
    );
  });

  it('refuses a missing or unknown command with the usage and exit code 2', async () => {
    for (const args of [[], ['controller']]) {
      const result = await runCommand(process.execPath, [join(app, 'dist', 'bin', 'orchestration-bridge.js'), ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('usage: orchestration-bridge <bridge|worker>');
    }
  });

  it('holds a workflow bundle that replays every recorded history', { timeout: 120_000 }, async () => {
    const dir = join(root, 'test', 'fixtures', 'histories');
    const histories = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((file) => ({ workflowId: file, history: JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown }));
    expect(histories.length).toBeGreaterThanOrEqual(2);
    const replayed: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: join(app, 'dist', 'workflow-bundle.js') } }, histories)) {
      replayed.push(result.error ? `${result.workflowId}: ${String(result.error)}` : result.workflowId);
    }
    expect(replayed).toEqual(histories.map((h) => h.workflowId));
  });

  it('refuses to start a worker without the workflow bundle, naming the file and npm run build', async () => {
    const bundle = join(app, 'dist', 'workflow-bundle.js');
    rmSync(bundle);
    const proc = run(['worker'], { ...sandbox(), WORKER_HTTP_PORT: '0' });
    expect(await proc.exited).toEqual({ code: 2, signal: null });
    expect(proc.logTail(5)).toContain(`the workflow bundle ${bundle} is missing: run \`npm run build\``);
  });
});
