// Runs the kubectl-orch program in-process with captured output: for the commands that need no cluster.
import { runCli } from '../../cli/program.js';

export async function runProgram(args: string[], files: Record<string, string> = {}, now = Date.parse('2026-01-01T00:00:00Z')) {
  let stdout = '';
  let stderr = '';
  const stream = (write: (s: string) => void) => ({ write: (s: string) => (write(s), true), isTTY: false }) as unknown as NodeJS.WriteStream;
  const io = {
    stdout: stream((s) => (stdout += s)),
    stderr: stream((s) => (stderr += s)),
    readFile: (path: string) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    },
    setExitCode: () => undefined,
    now: () => now,
  };
  const code = await runCli(io, args, 'user');
  return { code, stdout, stderr };
}
