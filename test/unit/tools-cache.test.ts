// The tools cache never holds a half-built tool, and a failure names the tool, the command and the log.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureTool, ProvisionError, type ToolSpec } from '../../sandbox/tools/cache.js';

let root: string;
const quiet = () => undefined;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tools-'));
  process.env.ORCHESTRATION_BRIDGE_TOOLS_DIR = root;
});
afterEach(() => {
  delete process.env.ORCHESTRATION_BRIDGE_TOOLS_DIR;
});

describe('ensureTool', () => {
  it('installs once and reuses the cached binary', async () => {
    let installs = 0;
    const spec: ToolSpec = {
      name: 'demo',
      key: '1.0',
      binaries: ['demo'],
      install: async ({ dir, run }) => {
        installs++;
        await run('sh', ['-c', `printf '#!/bin/sh\\necho demo' > "${join(dir, 'demo')}"`]);
      },
    };
    const first = await ensureTool(spec, quiet);
    const second = await ensureTool(spec, quiet);
    expect(first).toEqual({ demo: join(root, 'demo-1.0', 'demo') });
    expect(second).toEqual(first);
    expect(installs).toBe(1);
  });

  it('fails with the tool, command and log named, and leaves nothing in the cache', async () => {
    const spec: ToolSpec = {
      name: 'broken',
      key: '2.0',
      binaries: ['broken'],
      install: async ({ dir, run }) => {
        writeFileSync(join(dir, 'broken'), 'half');
        await run('sh', ['-c', 'echo compiling; echo "error: no such package" >&2; exit 7']);
      },
    };
    const error = await ensureTool(spec, quiet).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ProvisionError);
    const { message, logFile } = error as ProvisionError;
    expect(message).toBe(
      `could not provision broken: \`sh -c echo compiling; echo "error: no such package" >&2; exit 7\` exited with code 7; see ${logFile}`,
    );
    expect(readFileSync(logFile, 'utf8')).toContain('error: no such package');
    expect(readdirSync(root).filter((f) => f !== 'logs')).toEqual([]);
    expect(existsSync(join(root, 'broken-2.0'))).toBe(false);
  });

  it('refuses an install that did not produce its binary', async () => {
    const spec: ToolSpec = { name: 'empty', key: '3', binaries: ['nothing'], install: () => Promise.resolve() };
    await expect(ensureTool(spec, quiet)).rejects.toThrow(/could not provision empty: `install` did not produce nothing/);
    expect(existsSync(join(root, 'empty-3'))).toBe(false);
  });
});
