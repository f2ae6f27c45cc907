/** Child processes of the sandbox: each logs to its own file and is stopped by whoever started it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { once } from 'node:events';

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A running server process; `exitMessage()` says how it ended if it ended on its own. */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stopping = false;

  constructor(options: StartOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    const fd = openSync(options.logFile, 'a');
    try {
      this.child = spawn(options.command, options.args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    this.child.on('error', (err) => {
      this.exit ??= { code: null, signal: null };
      this.spawnError = err;
    });
    this.child.on('exit', (code, signal) => {
      this.exit = { code, signal };
    });
  }

  private spawnError: Error | undefined;

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Undefined while running; otherwise how it ended, with the end of its log. */
  exitMessage(): string | undefined {
    if (this.exit === undefined) return undefined;
    const how = this.spawnError
      ? `could not start (${this.spawnError.message})`
      : `exited (code ${this.exit.code ?? '-'}, signal ${this.exit.signal ?? '-'})`;
    return `${this.name} ${how}; log ${this.logFile}:\n${this.logTail(20)}`;
  }

  logTail(lines: number): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM, then SIGKILL once `graceMs` has passed. Resolves when the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exit !== undefined || this.stopping) return;
    this.stopping = true;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Stops processes in reverse start order; every process gets its stop even if one fails. */
export async function stopAll(processes: ManagedProcess[], graceMs?: number): Promise<void> {
  const errors: unknown[] = [];
  for (const proc of [...processes].reverse()) {
    try {
      await proc.stop(graceMs);
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, 'some sandbox processes did not stop cleanly');
}
