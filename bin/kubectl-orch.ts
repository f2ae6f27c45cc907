#!/usr/bin/env node
/**
 * `kubectl-orch`, the command line for OrchestrationRuns (`kubectl orch …` once on PATH). Only this entry point
 * exits the process, with the program's exit code.
 */
import { readFileSync } from 'node:fs';
import { runCli } from '../cli/program.js';

const code = await runCli(
  { stdout: process.stdout, stderr: process.stderr, readFile: (path) => readFileSync(path, 'utf8'), setExitCode: () => undefined, now: Date.now },
  process.argv,
);
// A watch's or a kept-alive connection's handles would hold the process open after the answer is printed.
process.exit(code);
