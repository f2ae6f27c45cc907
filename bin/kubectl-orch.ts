#!/usr/bin/env node
/**
 * `kubectl-orch`, the command line for OrchestrationRuns (`kubectl orch …` once on PATH). Only this entry point
 * exits the process: the program reports an outcome through its exit code, an error as one line on stderr.
 */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { CliError } from '../cli/kube.js';
import { buildProgram } from '../cli/program.js';

const program = buildProgram({
  stdout: process.stdout,
  stderr: process.stderr,
  readFile: (path) => readFileSync(path, 'utf8'),
  setExitCode: (code) => (process.exitCode = code),
  now: Date.now,
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with 0; a usage error was already printed by commander.
    process.exitCode = err.exitCode === 0 ? 0 : 64;
  } else if (err instanceof CliError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 3;
  }
}
// A watch's or a kept-alive connection's handles would hold the process open after the answer is printed.
process.exit(process.exitCode ?? 0);
