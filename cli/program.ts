/**
 * The `kubectl-orch` command line: one commander program whose commands each do one thing to runs through
 * the apiserver, as kubectl would, with the bridge's own core checks before anything is created.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Argument, Command, CommanderError, Option } from 'commander';
import { stringify } from 'yaml';
import { API_GROUP_VERSION, isTerminalPhase, ORCHESTRATION_RUN_KIND, ORCHESTRATION_RUN_PLURAL } from '../core/api/names.js';
import { CANCEL_NOTE_MAX_BYTES, CANCEL_REASON_ANNOTATION, describeCancel, pendingCancel } from '../core/cancel.js';
import { singleLine } from '../core/messages.js';
import { collect, parseFrom, parseParameter } from './args.js';
import { completionScript } from './completion.js';
import { CliError, connect, type Cluster, type KubeOptions } from './kube.js';
import { formatFindings, lintDocuments, readDocuments, type LintDocument } from './lint.js';
import { printLogs } from './logs.js';
import { formatDuration, renderRun, table, type RunObject, type SpecStep } from './tree.js';
import { followRun, PHASE_EXIT, printer } from './watch.js';

/** Where the program writes; the entry point passes the process's streams, tests their own. */
export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  readFile: (path: string) => string;
  setExitCode: (code: number) => void;
  now: () => number;
}

/** How many runs back `retry` chains are followed to find the steps a run resumes. */
const RESUME_DEPTH = 5;

/** This package's version, from the package.json above this file (cli/ in the source, dist/cli/ once built). */
function packageVersion(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'orchestration-bridge' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: look one directory up
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

const readInput = (io: Io, file: string) => (file === '-' ? readFileSync(0, 'utf8') : io.readFile(file));

export function buildProgram(io: Io): Command {
  const print = (line = '') => io.stdout.write(`${line}\n`);
  const program = new Command('kubectl-orch')
    .description('Lint, submit, watch and drive OrchestrationRuns (orchestration.proompteng.ai) from the command line; `kubectl orch` once on PATH.')
    .version(packageVersion(), '--version', 'print the version of kubectl-orch')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <ns>', "namespace (default: the context's, then default)")
    .addHelpText('after', '\nExit codes: 0 done (a watched run Succeeded), 1 lint problems or a watched run Failed, 2 a watched run Cancelled, 3 an error (the message says what), 64 a usage error.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const cluster = (command: Command): Cluster => connect(command.optsWithGlobals<KubeOptions>());
  const getRun = async (c: Cluster, name: string) => (await c.get(ORCHESTRATION_RUN_PLURAL, name)) as unknown as RunObject;

  /**
   * The steps a run runs: its own, else its Orchestration's, else those of the run it resumes (at most
   * RESUME_DEPTH runs back). Read now, so an Orchestration edited since the run started may differ; for the tree
   * and the CLI's own checks, never for what the bridge runs.
   */
  async function runSteps(c: Cluster, run: RunObject, depth = 0): Promise<{ steps: SpecStep[]; finally: SpecStep[] } | undefined> {
    const spec = run.spec ?? {};
    const ns = run.metadata.namespace ?? c.namespace;
    // As core/resolve-run.ts resolves them: the run's own lists, else its Orchestration's, else the resumed run's.
    let template: { steps?: SpecStep[]; finally?: SpecStep[] } | undefined;
    if (spec.orchestrationRef && (!spec.steps || !spec.finally)) {
      template = ((await c.findOrchestration(ns, spec.orchestrationRef.name)) as { spec?: typeof template } | undefined)?.spec;
    }
    let earlier: { steps: SpecStep[]; finally: SpecStep[] } | undefined;
    if (spec.resumeFrom && depth < RESUME_DEPTH && (!(spec.steps ?? template?.steps) || !(spec.finally ?? template?.finally))) {
      try {
        earlier = await runSteps(c, (await c.get(ORCHESTRATION_RUN_PLURAL, spec.resumeFrom.name, ns)) as unknown as RunObject, depth + 1);
      } catch {
        // the resumed run is gone: what it ran is unknown here
      }
    }
    const steps = spec.steps ?? template?.steps ?? earlier?.steps;
    return steps ? { steps, finally: spec.finally ?? template?.finally ?? earlier?.finally ?? [] } : undefined;
  }
  /** The run as the tree shows it: with the steps it runs, when they come from elsewhere. */
  const forDisplay = (run: RunObject, lists: { steps: SpecStep[]; finally: SpecStep[] } | undefined): RunObject =>
    lists && !run.spec?.steps ? { ...run, spec: { ...run.spec, steps: lists.steps, finally: lists.finally } } : run;

  async function watchToEnd(c: Cluster, name: string, show: boolean): Promise<void> {
    const p = printer(io.stdout, io.now);
    let last: RunObject | undefined;
    let lists: { steps: SpecStep[]; finally: SpecStep[] } | undefined;
    let listsRead = false;
    // Durations grow while nothing changes: a terminal gets the tree redrawn every second.
    const ticker = show && io.stdout.isTTY ? setInterval(() => last && p.show(last), 1000) : undefined;
    try {
      const seen = (run: RunObject) => {
        if (show && !listsRead) {
          listsRead = true;
          void runSteps(c, run).then((found) => (lists = found), () => undefined);
        }
        last = forDisplay(run, lists);
        if (show) p.show(last);
      };
      // Retries through an apiserver outage are said once on stderr, so a quiet wait is never a mystery.
      const end = await followRun(c, name, seen, c.namespace, { onRetry: (m) => io.stderr.write(`warning: ${m}\n`) });
      if (show) p.finish(forDisplay(end, lists));
      else print(`run ${name} ${end.status?.phase ?? ''}`);
      io.setExitCode(PHASE_EXIT[end.status?.phase as keyof typeof PHASE_EXIT] ?? 3);
    } finally {
      if (ticker) clearInterval(ticker);
    }
  }

  program
    .command('lint')
    .description("Check OrchestrationRun and Orchestration manifests with the bridge's own rules, offline; exit 1 on problems")
    .argument('<files...>', 'YAML files (multi-document; - for stdin)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--cluster', "look up a run's orchestrationRef in the cluster when no file holds it")
    .action(async (files: string[], opts: { output: string; cluster?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<KubeOptions>();
      const documents: LintDocument[] = [];
      const findings = [];
      for (const file of files) {
        let text: string;
        try {
          text = readInput(io, file);
        } catch (err) {
          throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
        }
        const read = readDocuments(file, text);
        documents.push(...read.documents);
        findings.push(...read.findings);
      }
      const c = opts.cluster ? cluster(command) : undefined;
      findings.push(...(await lintDocuments(documents, { namespace: c?.namespace ?? globals.namespace ?? 'default', ...(c ? { lookup: (ns, name) => c.findOrchestration(ns, name) } : {}) })));
      const problems = findings.reduce((n, f) => n + f.problems.length, 0);
      // A lint step that checked nothing must not pass: the wrong file, or a kind misspelt, is a problem.
      const nothing = findings.length === 0 ? `nothing to check: no ${ORCHESTRATION_RUN_KIND}, Orchestration or OrchestrationSchedule in ${files.join(', ')}` : undefined;
      const ok = problems === 0 && nothing === undefined;
      if (opts.output === 'json') {
        // document: 1-based, as the text output numbers them (file.yaml#2).
        const documents = findings.map(({ index, ...f }) => ({ ...f, document: index + 1 }));
        print(JSON.stringify({ ok, problems, ...(nothing ? { error: nothing } : {}), documents }, null, 2));
      } else {
        for (const line of formatFindings(findings)) print(line);
        print(nothing ?? (problems === 0 ? `${findings.length} object${findings.length === 1 ? '' : 's'} OK` : `${problems} problem${problems === 1 ? '' : 's'}`));
      }
      io.setExitCode(ok ? 0 : 1);
    });

  program
    .command('submit')
    .description('Create runs from a file (checked first, as lint does), or a run of an Orchestration (--from orch/NAME)')
    .argument('[file]', 'YAML file of OrchestrationRuns (- for stdin)')
    .option('--from <orch/NAME>', 'create a run of this Orchestration')
    .option('-p, --param <key=value>', 'a parameter (repeatable); overrides the file\'s', (v: string, prev: Record<string, string>) => parseParameter(v, prev), {})
    .option('--name <name>', 'name of the run (default: the file\'s, or NAME- with a generated suffix for --from)')
    .option('-w, --watch', 'follow the run to its end as a tree of steps; exit 0 Succeeded, 1 Failed, 2 Cancelled')
    .addOption(new Option('-o, --output <format>', 'what to print of each created run').choices(['name', 'tree']).default('name'))
    .action(async (file: string | undefined, opts: { from?: string; param: Record<string, string>; name?: string; watch?: boolean; output: string }, command: Command) => {
      if ((file === undefined) === (opts.from === undefined)) throw new CliError('submit needs a file or --from orch/NAME (one of them)', 64);
      const c = cluster(command);
      const params = opts.param;
      let manifests: Record<string, unknown>[];
      if (opts.from !== undefined) {
        const orchestration = parseFrom(opts.from);
        if ((await c.findOrchestration(c.namespace, orchestration)) === undefined) throw new CliError(`Orchestration ${orchestration} not found in namespace ${c.namespace}`);
        manifests = [
          {
            apiVersion: API_GROUP_VERSION,
            kind: ORCHESTRATION_RUN_KIND,
            metadata: opts.name ? { name: opts.name } : { generateName: `${orchestration}-` },
            spec: { orchestrationRef: { name: orchestration }, ...(Object.keys(params).length > 0 ? { parameters: params } : {}) },
          },
        ];
      } else {
        const read = readDocuments(file!, readInput(io, file!));
        if (read.findings.length > 0) throw new CliError(`not submitted:\n${formatFindings(read.findings).join('\n')}`);
        const others = read.documents.filter((d) => (d.raw as { kind?: unknown }).kind !== ORCHESTRATION_RUN_KIND);
        if (others.length > 0) {
          throw new CliError(`${file}: submit creates ${ORCHESTRATION_RUN_KIND}s; apply the other documents with kubectl apply (${others.map((d) => `${String((d.raw as { kind?: unknown }).kind)} #${d.index + 1}`).join(', ')})`, 64);
        }
        manifests = read.documents.map((d) => {
          const m = structuredClone(d.raw) as { metadata?: Record<string, unknown>; spec?: Record<string, unknown> };
          if (opts.name) m.metadata = { ...m.metadata, name: opts.name };
          if (Object.keys(params).length > 0) m.spec = { ...m.spec, parameters: { ...(m.spec?.parameters as object | undefined), ...params } };
          return m;
        });
        if (manifests.length === 0) throw new CliError(`${file}: no ${ORCHESTRATION_RUN_KIND} in it`, 64);
        if (opts.name && manifests.length > 1) throw new CliError(`--name names one run; ${file} has ${manifests.length}`, 64);
        // As kubectl: a namespace given with -n must be the manifest's, else the run would not be where it is watched.
        const given = command.optsWithGlobals<KubeOptions>().namespace;
        for (const m of manifests) {
          const own = (m.metadata as { namespace?: unknown } | undefined)?.namespace;
          if (given !== undefined && typeof own === 'string' && own !== given) throw new CliError(`the namespace of ${file} (${own}) does not match -n ${given}`, 64);
        }
      }
      if (opts.watch && manifests.length !== 1) throw new CliError(`--watch follows one run; ${file} has ${manifests.length}`, 64);
      // The bridge's checks first: a run it would refuse is not created.
      const findings = await lintDocuments(manifests.map((raw, index) => ({ file: file ?? opts.from!, index, raw })), { namespace: c.namespace, lookup: (ns, name) => c.findOrchestration(ns, name) });
      const problems = findings.filter((f) => f.problems.length > 0);
      // Exit 3, not 1: nothing was created, which a script must tell from a watched run that Failed.
      if (problems.length > 0) throw new CliError(`not submitted:\n${formatFindings(problems).filter((l) => !l.includes(': note: ')).join('\n')}`);
      for (const f of findings) for (const note of f.notes) io.stderr.write(`warning: ${f.kind}/${f.name}: ${note}\n`);
      const created: { name: string; namespace: string }[] = [];
      for (const m of manifests) {
        const ns = ((m.metadata as { namespace?: string } | undefined)?.namespace) ?? c.namespace;
        const run = (await c.create(ORCHESTRATION_RUN_PLURAL, m, ns)) as unknown as RunObject;
        created.push({ name: run.metadata.name, namespace: ns });
        if (!opts.watch) print(opts.output === 'name' ? `orchestrationrun.orchestration.proompteng.ai/${run.metadata.name} created` : renderRun(run, io.now()).join('\n'));
      }
      if (opts.watch) {
        const [first] = created;
        // Watched where it was created: the manifest's namespace may not be the context's.
        const where = first!.namespace === c.namespace ? c : connect({ ...command.optsWithGlobals<KubeOptions>(), namespace: first!.namespace });
        await watchToEnd(where, first!.name, true);
      }
    });

  program
    .command('get')
    .description('Show a run: its phase, its steps as a tree (phase, duration, reason) and its Temporal UI link')
    .argument('<run>', 'run name')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['tree', 'json', 'yaml']).default('tree'))
    .action(async (name: string, opts: { output: string }, command: Command) => {
      const c = cluster(command);
      const run = await getRun(c, name);
      if (opts.output === 'json') print(JSON.stringify(run, null, 2));
      else if (opts.output === 'yaml') io.stdout.write(stringify(run));
      else print(renderRun(forDisplay(run, await runSteps(c, run).catch(() => undefined)), io.now()).join('\n'));
    });

  program
    .command('list')
    .alias('ls')
    .description('List runs of the namespace (-A: of every namespace)')
    .option('-A, --all-namespaces', 'runs of every namespace')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'name']).default('table'))
    .action(async (opts: { allNamespaces?: boolean; output: string }, command: Command) => {
      const c = cluster(command);
      const runs = (await c.list(ORCHESTRATION_RUN_PLURAL, opts.allNamespaces === true)) as unknown as RunObject[];
      if (opts.output === 'name') {
        for (const r of runs) print(r.metadata.name);
        return;
      }
      if (runs.length === 0) {
        io.stderr.write(`No runs found${opts.allNamespaces ? '' : ` in namespace ${c.namespace}`}.\n`);
        return;
      }
      const rows = runs.map((r) => [
        ...(opts.allNamespaces ? [r.metadata.namespace ?? ''] : []),
        r.metadata.name,
        r.status?.phase ?? 'Pending',
        r.status?.progress ?? '',
        r.metadata.creationTimestamp ? formatDuration(io.now() - Date.parse(r.metadata.creationTimestamp)) : '',
      ]);
      for (const line of table([[...(opts.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'PHASE', 'STEPS', 'AGE'], ...rows])) print(line);
    });

  program
    .command('wait')
    .description('Wait for a run to end; exit 0 Succeeded, 1 Failed, 2 Cancelled')
    .argument('<run>', 'run name')
    .option('-w, --watch', 'show the tree of steps while waiting')
    .action(async (name: string, opts: { watch?: boolean }, command: Command) => {
      await watchToEnd(cluster(command), name, opts.watch === true);
    });

  program
    .command('logs')
    .description("A Job step's Pod logs (every attempt), or an activity step's output or error; without STEP, every step's")
    .argument('<run>', 'run name')
    .argument('[step]', 'step name')
    .option('-f, --follow', "follow the newest attempt's Pod log while it runs")
    .action(async (name: string, step: string | undefined, opts: { follow?: boolean }, command: Command) => {
      // Steps run side by side: following them all would print one only when the one before it ended.
      if (opts.follow && step === undefined) throw new CliError(`-f follows one step: name it (kubectl orch logs ${name} STEP -f)`, 64);
      await printLogs(cluster(command), name, step, { follow: opts.follow === true }, (t) => io.stdout.write(t), (t) => io.stderr.write(t));
    });

  /** A lifecycle control: read the run, refuse what would change nothing, then one merge patch of its spec. */
  const control = (verb: string, description: string) => program.command(verb).description(description).argument('<run>', 'run name');
  async function liveRun(c: Cluster, name: string, verb: string): Promise<RunObject> {
    const run = await getRun(c, name);
    if (isTerminalPhase(run.status?.phase)) throw new CliError(`run ${name} already ended ${run.status?.phase}; nothing to ${verb}`);
    return run;
  }

  control('cancel', 'Cancel a run (spec.cancel: true); its finally steps still run')
    .option('--reason <text>', `why, in a few words: said in the run's status message, its Event and the Temporal cancel request (annotation ${CANCEL_REASON_ANNOTATION}, at most ${CANCEL_NOTE_MAX_BYTES} bytes)`)
    .action(async (name: string, opts: { reason?: string }, command: Command) => {
      const reason = opts.reason === undefined ? undefined : singleLine(opts.reason);
      if (opts.reason !== undefined && !reason) throw new CliError('--reason is empty', 64);
      if (reason && Buffer.byteLength(reason) > CANCEL_NOTE_MAX_BYTES) throw new CliError(`--reason is ${Buffer.byteLength(reason)} bytes; at most ${CANCEL_NOTE_MAX_BYTES}`, 64);
      const c = cluster(command);
      const run = await liveRun(c, name, 'cancel');
      const pending = pendingCancel(run.status);
      // The reason is recorded with the request (status.cancelReason): a second one would be said nowhere.
      if (reason && pending) throw new CliError(`run ${name} is already being cancelled (${describeCancel(pending)}); its reason cannot change`);
      // One write: the bridge sees the reason with the cancel, never the cancel without it.
      await c.patch(ORCHESTRATION_RUN_PLURAL, name, { ...(reason ? { metadata: { annotations: { [CANCEL_REASON_ANNOTATION]: reason } } } : {}), spec: { cancel: true } });
      print(`run ${name} cancel requested${reason ? `: ${reason}` : ''}`);
    });
  control('suspend', 'Hold a run: running steps go on, no new step starts (spec.suspend: true)').action(async (name: string, _opts: unknown, command: Command) => {
    const c = cluster(command);
    await liveRun(c, name, 'suspend');
    await c.patch(ORCHESTRATION_RUN_PLURAL, name, { spec: { suspend: true } });
    print(`run ${name} suspend requested`);
  });
  control('resume', 'Let a suspended run start steps again (spec.suspend: false)').action(async (name: string, _opts: unknown, command: Command) => {
    const c = cluster(command);
    await liveRun(c, name, 'resume');
    await c.patch(ORCHESTRATION_RUN_PLURAL, name, { spec: { suspend: false } });
    print(`run ${name} resume requested`);
  });
  const decide = (verb: 'approve' | 'reject', decision: 'Approved' | 'Rejected', description: string) =>
    control(verb, description)
      .argument('<step>', 'approval step name')
      .action(async (name: string, step: string, _opts: unknown, command: Command) => {
        const c = cluster(command);
        const run = await liveRun(c, name, verb);
        // The steps as read now (an Orchestration may have changed since the run started): a step the run's
        // status lists is never refused for its name, only one the lists say is not an approval step.
        const lists = await runSteps(c, run).catch(() => undefined);
        if (lists) {
          const all = [...lists.steps, ...lists.finally];
          const approvals = all.filter((s) => s.approval !== undefined).map((s) => s.name);
          const which = approvals.length > 0 ? `its approval steps: ${approvals.join(', ')}` : 'it has no approval step';
          const listed = run.status?.steps?.some((s) => s.name === step) === true;
          const found = all.find((s) => s.name === step);
          if (!found && !listed) throw new CliError(`run ${name} has no step ${step} (${which})`);
          if (found && found.approval === undefined) throw new CliError(`step ${step} of run ${name} is not an approval step (${which})`);
        }
        const state = run.status?.steps?.find((s) => s.name === step);
        const by = state?.approvedBy ?? state?.rejectedBy;
        if (by !== undefined) throw new CliError(`step ${step} of run ${name} was already ${state?.approvedBy !== undefined ? 'approved' : 'rejected'} by ${by}; a decision is final`);
        await c.patch(ORCHESTRATION_RUN_PLURAL, name, { spec: { approvals: { [step]: decision } } });
        print(`run ${name} step ${step} ${decision.toLowerCase()}`);
      });
  decide('approve', 'Approved', "Approve a run's approval step (spec.approvals.STEP: Approved); it may be decided before the step starts");
  decide('reject', 'Rejected', "Reject a run's approval step (spec.approvals.STEP: Rejected); its dependents are skipped");

  program
    .command('retry')
    .description('Create a run that resumes a finished run from where it stopped (spec.resumeFrom): steps that succeeded are reused')
    .argument('<run>', 'the Failed or Cancelled run (Succeeded with --rerun)')
    .option('--rerun <step>', 'run this step (and its dependents) again although it succeeded (repeatable)', collect, [])
    .option('--name <name>', 'name of the new run (default RUN-retry- with a generated suffix)')
    .option('-w, --watch', 'follow the new run to its end; exit 0 Succeeded, 1 Failed, 2 Cancelled')
    .action(async (name: string, opts: { rerun: string[]; name?: string; watch?: boolean }, command: Command) => {
      const c = cluster(command);
      const run = await getRun(c, name);
      const phase = run.status?.phase;
      if (!isTerminalPhase(phase)) throw new CliError(`run ${name} is ${phase ?? 'Pending'}: retry resumes a run that ended (cancel it first, or wait)`);
      if (phase === 'Succeeded' && opts.rerun.length === 0) throw new CliError(`run ${name} Succeeded: name the steps to run again with --rerun STEP`, 64);
      // The bridge resumes from the workflow's history: a run that ended before its workflow started has none.
      if (!run.status?.temporal?.workflowId) throw new CliError(`run ${name} ended ${phase} before its workflow started (${run.status?.message ?? 'no message'}); there is nothing to resume — fix it and submit a new run`);
      // Finally steps always run again; --rerun names steps of the DAG.
      const known = (run.status?.steps ?? []).filter((s) => !s.finally).map((s) => s.name);
      const unknown = opts.rerun.filter((s) => !known.includes(s));
      if (unknown.length > 0) throw new CliError(`run ${name} has no step ${unknown.join(', ')} to rerun (its steps: ${known.join(', ')}; finally steps always run again)`, 64);
      const created = (await c.create(ORCHESTRATION_RUN_PLURAL, {
        apiVersion: API_GROUP_VERSION,
        kind: ORCHESTRATION_RUN_KIND,
        metadata: opts.name ? { name: opts.name } : { generateName: `${name.slice(0, 200)}-retry-` },
        spec: { resumeFrom: { name }, ...(opts.rerun.length > 0 ? { rerun: opts.rerun } : {}) },
      })) as unknown as RunObject;
      print(`orchestrationrun.orchestration.proompteng.ai/${created.metadata.name} created (resumes ${name})`);
      if (opts.watch) await watchToEnd(c, created.metadata.name, true);
    });

  program
    .command('ui')
    .description("Print the run's Temporal Web UI link (its workflow, steps and details)")
    .argument('<run>', 'run name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const run = await getRun(cluster(command), name);
      const url = run.status?.temporal?.uiUrl;
      if (!url) throw new CliError(`run ${name} has no Temporal UI link yet (${run.status?.phase ?? 'Pending'}${run.status?.temporal ? '; the bridge has no UI base URL configured' : ', no workflow started'})`);
      print(url);
    });

  program
    .command('completion')
    .description('Print a shell completion script: source <(kubectl-orch completion bash)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      io.stdout.write(completionScript(shell));
    });

  return program;
}

/**
 * Runs the program on the arguments and returns its exit code: an error the user can act on is one line on
 * stderr (exit 3, or its own code), a usage error commander already explained is 64.
 */
export async function runCli(io: Io, args: string[], from: 'node' | 'user' = 'node'): Promise<number> {
  let code = 0;
  const program = buildProgram({ ...io, setExitCode: (c) => (code = c) });
  try {
    await program.parseAsync(args, { from });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 64;
    if (err instanceof CliError) {
      io.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 3;
  }
}
