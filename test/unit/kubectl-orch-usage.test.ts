// kubectl-orch usage rules that hold before any cluster is asked: the version, and the options a command refuses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runProgram } from './kubectl-orch-io.js';

describe('kubectl-orch usage', () => {
  it("prints this package's version", async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await runProgram(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('refuses a cancel reason that is empty or over 256 bytes, naming the bound', async () => {
    expect(await runProgram(['cancel', 'r', '--reason', '  '])).toMatchObject({ code: 64, stderr: 'error: --reason is empty\n' });
    expect(await runProgram(['cancel', 'r', '--reason', 'é'.repeat(129)])).toMatchObject({ code: 64, stderr: 'error: --reason is 258 bytes; at most 256\n' });
  });

  it('follows one step with logs -f, and says how to name it', async () => {
    expect(await runProgram(['logs', 'r', '-f'])).toMatchObject({ code: 64, stderr: 'error: -f follows one step: name it (kubectl orch logs r STEP -f)\n' });
  });
});
