/** Child processes of the sandbox: each logs to its own file and is stopped by whoever started it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Something that stops process groups if the process that started them dies; see sandbox/reaper.ts. */
export interface ProcessGuard {
  track(pgid: number, name: string): void;
  untrack(pgid: number): void;
}

let guard: ProcessGuard | undefined;

/**
 * From now on every ManagedProcess this process starts runs in a process group of its own, tracked by `g`.
 * Process-wide on purpose: it stands in for Linux's PR_SET_PDEATHSIG, which is an attribute of a process
 * too, and it reaches every server the sandbox starts without threading it through each of them.
 */
export function guardChildren(g: ProcessGuard): void {
  guard = g;
}

/** A running server process; `exitMessage()` says how it ended if it ended on its own. */
export class ManagedProcess {
  /** How it was started: `new ManagedProcess(p.options)` starts it again (a restart after a stop). */
  readonly options: StartOptions;
  readonly name: string;
  readonly logFile: string;
  /** Resolves once the process has ended (or could not start). */
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  /** Set when the process leads a process group of its own, which is then signalled as a whole. */
  private readonly group: ProcessGuard | undefined;
  private exit: ProcessExit | undefined;
  private spawnError: Error | undefined;
  private stopping = false;

  constructor(options: StartOptions) {
    this.options = options;
    this.name = options.name;
    this.logFile = options.logFile;
    this.group = guard;
    const fd = openSync(options.logFile, 'a');
    try {
      this.child = spawn(options.command, options.args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', fd, fd],
        detached: this.group !== undefined,
      });
    } finally {
      closeSync(fd);
    }
    const { pid } = this.child;
    if (this.group && pid !== undefined) this.group.track(pid, this.name);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.spawnError = err;
        if (this.child.pid === undefined) resolve((this.exit ??= { code: null, signal: null }));
      });
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        if (this.group && pid !== undefined) {
          // Nothing the process left behind in its group outlives it; then the guard may forget the group.
          this.signalGroup('SIGKILL');
          this.group.untrack(pid);
        }
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Undefined while running; otherwise how it ended, with the end of its log. */
  exitMessage(): string | undefined {
    if (this.exit === undefined) return undefined;
    return `${this.name} ${describeExit(this.exit, this.spawnError)}; log ${this.logFile}:\n${this.logTail(20)}`;
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
    if (this.exit !== undefined) return;
    if (this.stopping) {
      await this.exited;
      return;
    }
    this.stopping = true;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Signals the process group if the process leads one, else the process alone. */
  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (this.group === undefined || pid === undefined) {
      this.child.kill(signal);
      return;
    }
    try {
      process.kill(-pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/** "exited with code 1", "killed by SIGKILL" or "could not start (…)". */
export function describeExit(exit: ProcessExit, spawnError?: Error): string {
  if (spawnError) return `could not start (${spawnError.message})`;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? '-'}`;
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
