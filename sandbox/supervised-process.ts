/** A process kept running: started again with backoff whenever it dies, until it is stopped. */
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { describeExit, ManagedProcess, type StartOptions } from './process.js';
import { DEV_RESTART_POLICY, INITIAL_RESTART_STATE, nextRestart, type RestartPolicy } from './restart-backoff.js';

export class SupervisedProcess {
  readonly name: string;
  /** How many times it was started again. */
  restarts = 0;
  /** How the latest run ended, with the end of its log; undefined until one ended. */
  lastExit: string | undefined;
  private current: ManagedProcess;
  private readonly stopped = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    private readonly options: StartOptions,
    private readonly logger: Logger,
    private readonly policy: RestartPolicy = DEV_RESTART_POLICY,
  ) {
    this.name = options.name;
    this.current = this.spawn();
    this.loop = this.supervise(this.current).catch((err: unknown) => {
      this.logger.error({ err, process: this.name }, `stopped supervising ${this.name}`);
    });
  }

  /** The pid of the running incarnation, if one runs. */
  get pid(): number | undefined {
    return this.current.running ? this.current.pid : undefined;
  }

  /** Stops the running incarnation (SIGTERM, then SIGKILL after `graceMs`) and starts no other. */
  async stop(graceMs?: number): Promise<void> {
    this.stopped.abort();
    await this.current.stop(graceMs);
    await this.loop;
  }

  private spawn(): ManagedProcess {
    const proc = new ManagedProcess(this.options);
    this.logger.info({ process: this.name, childPid: proc.pid, log: this.options.logFile }, `${this.name} started (pid ${proc.pid}), logging to ${this.options.logFile}`);
    return proc;
  }

  private async supervise(first: ManagedProcess): Promise<void> {
    let proc = first;
    let state = INITIAL_RESTART_STATE;
    for (;;) {
      const startedAt = Date.now();
      const exit = await proc.exited;
      if (this.stopped.signal.aborted) return;
      const next = nextRestart(this.policy, state, Date.now() - startedAt);
      state = next.state;
      this.lastExit = proc.exitMessage();
      const seconds = Math.round(next.delayMs / 100) / 10;
      const restart = this.restarts + 1;
      this.logger.warn(
        { process: this.name, childPid: proc.pid, code: exit.code, signal: exit.signal, restart, restartInMs: next.delayMs, log: this.options.logFile },
        `${this.name} (pid ${proc.pid}) ${describeExit(exit)}; restart ${restart} in ${seconds} s (log ${this.options.logFile})`,
      );
      try {
        await delay(next.delayMs, undefined, { signal: this.stopped.signal });
      } catch {
        return; // stopped while waiting
      }
      this.restarts += 1;
      proc = this.current = this.spawn();
    }
  }
}
