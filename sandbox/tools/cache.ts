/**
 * The tools cache: binaries built or downloaded once, outside the repo, one directory per tool and version.
 * A directory is complete or absent: work happens in a scratch directory renamed into place at the end, so a
 * failed or interrupted provisioning never leaves a half-built binary behind.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where tools live: $ORCHESTRATION_BRIDGE_TOOLS_DIR, else $XDG_CACHE_HOME or ~/.cache, /orchestration-bridge/tools. */
export function toolsDir(): string {
  const explicit = process.env.ORCHESTRATION_BRIDGE_TOOLS_DIR;
  if (explicit) return explicit;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'orchestration-bridge', 'tools');
}

/** Provisioning failed: names the tool, the command and the log that says why. */
export class ProvisionError extends Error {
  constructor(
    readonly tool: string,
    readonly command: string,
    readonly logFile: string,
    detail: string,
  ) {
    super(`could not provision ${tool}: \`${command}\` ${detail}; see ${logFile}`);
    this.name = 'ProvisionError';
  }
}

export interface InstallContext {
  /** Scratch directory that becomes the tool's directory once install resolves. */
  dir: string;
  /** Runs a command with its output appended to the tool's log; rejects with a ProvisionError. */
  run: (command: string, args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }) => Promise<void>;
}

export interface ToolSpec {
  name: string;
  /** Cache key: changes whenever the result would (version, inputs, toolchain). */
  key: string;
  binaries: string[];
  install: (ctx: InstallContext) => Promise<void>;
}

const COMPLETE = '.complete';

/** Returns the absolute path of each binary of the tool, installing it first when the cache lacks it. */
export async function ensureTool(spec: ToolSpec, log: (line: string) => void = console.log): Promise<Record<string, string>> {
  const root = toolsDir();
  const dir = join(root, `${spec.name}-${spec.key}`);
  const paths = Object.fromEntries(spec.binaries.map((bin) => [bin, join(dir, bin)]));
  if (existsSync(join(dir, COMPLETE))) return paths;

  mkdirSync(join(root, 'logs'), { recursive: true });
  const logFile = join(root, 'logs', `${spec.name}-${spec.key}-${process.pid}.log`);
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const logStream = createWriteStream(logFile, { flags: 'w' });
  log(`[tools] installing ${spec.name} (${spec.key}) into ${dir}; log ${logFile}`);
  const started = Date.now();
  const run: InstallContext['run'] = (command, args, options = {}) =>
    new Promise((resolve, reject) => {
      const line = [command, ...args].join(' ');
      logStream.write(`$ ${line}\n`);
      const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.pipe(logStream, { end: false });
      child.stderr.pipe(logStream, { end: false });
      child.on('error', (err) => reject(new ProvisionError(spec.name, line, logFile, `could not start (${err.message})`)));
      // 'close' comes after the output streams ended, so the log is complete when this settles.
      child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new ProvisionError(spec.name, line, logFile, code === null ? `was killed by ${signal}` : `exited with code ${code}`));
      });
    });
  try {
    await spec.install({ dir: scratch, run });
    for (const bin of spec.binaries) {
      if (!existsSync(join(scratch, bin))) {
        throw new ProvisionError(spec.name, 'install', logFile, `did not produce ${bin}`);
      }
    }
    writeFileSync(join(scratch, COMPLETE), new Date().toISOString());
    if (existsSync(join(dir, COMPLETE))) {
      // Another process finished the same tool meanwhile, and may be running it: keep its copy.
      rmSync(scratch, { recursive: true, force: true });
    } else {
      rmSync(dir, { recursive: true, force: true }); // an incomplete leftover, never a finished tool
      renameSync(scratch, dir);
    }
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  } finally {
    await new Promise<void>((resolve) => logStream.end(resolve));
  }
  log(`[tools] ${spec.name} ready after ${Math.round((Date.now() - started) / 1000)} s`);
  return paths;
}
