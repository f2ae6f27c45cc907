/**
 * The built entry point, as the image runs it: `node dist/bin/orchestration-bridge.js bridge|worker`. The dev
 * sandbox and the tests start these very files, so what they exercise is what the image holds.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from '../bin/commands.js';

const ROOT = join(import.meta.dirname, '..');

/** dist/bin/orchestration-bridge.js, written by `npm run build`. */
export const ENTRY_POINT = join(ROOT, 'dist', 'bin', 'orchestration-bridge.js');

/** The node arguments that run `command` from the built entry point; throws when there is no build. */
export function entryPointArgs(command: Command): string[] {
  if (!existsSync(ENTRY_POINT)) throw new Error(`${ENTRY_POINT} is missing: run \`npm run build\``);
  return [ENTRY_POINT, command];
}

/** `npm run build`: incremental, so quick when nothing changed; fails with the compiler's output. */
export async function buildEntryPoints(): Promise<void> {
  try {
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed:\n${stdout}${stderr}`, { cause: err });
  }
}
