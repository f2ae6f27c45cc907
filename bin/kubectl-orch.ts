#!/usr/bin/env node
/**
 * `kubectl-orch`, the command line for OrchestrationRuns (`kubectl orch …` once on PATH). Only this entry point
 * ends the process, with the program's exit code.
 */
import { readFileSync } from 'node:fs';
import { runCli } from '../cli/program.js';

// A reader that went away (`kubectl orch get RUN -o json | head`) is not an error of ours: what is left to
// write has no one to read it.
const ignoreEpipe = (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
};
process.stdout.on('error', ignoreEpipe);
process.stderr.on('error', ignoreEpipe);

const code = await runCli(
  { stdout: process.stdout, stderr: process.stderr, readFile: (path) => readFileSync(path, 'utf8'), setExitCode: () => undefined, now: Date.now },
  process.argv,
);
// The process ends on its own once stdout and stderr have drained (process.exit could cut piped output). A
// handle left open (a kept-alive connection) must not hold the answer back: once the output is out, a timer
// that does not itself keep the process alive ends it.
process.exitCode = code;
let pending = 2;
const flushed = () => {
  if (--pending === 0) setTimeout(() => process.exit(code), 1000).unref();
};
process.stdout.write('', flushed);
process.stderr.write('', flushed);
