/**
 * The `kubectl-orch` command line: one commander program whose commands each do one thing to runs through
 * the apiserver, as kubectl would, with the bridge's own core checks before anything is created.
 */
import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import { stringify } from 'yaml';
import { API_GROUP_VERSION, isTerminalPhase, ORCHESTRATION_RUN_KIND, ORCHESTRATION_RUN_PLURAL } from '../core/api/names.js';
import { collect, parseFrom, parseParameter } from './args.js';
import { completionScript } from './completion.js';
import { CliError, connect, type Cluster, type KubeOptions } from './kube.js';
import { formatFindings, lintDocuments, readDocuments, type LintDocument } from './lint.js';
import { printLogs } from './logs.js';
import { formatDuration, renderRun, table, type RunObject } from './tree.js';
import { followRun, PHASE_EXIT, printer } from './watch.js';

/** Where the program writes; the entry point passes the process's streams, tests their own. */
export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  readFile: (path: string) => string;
  setExitCode: (code: number) => void;
  now: () => number;
}

const readInput = (io: Io, file: string) => (file === '-' ? readFileSync(0, 'utf8') : io.readFile(file));

export function buildProgram(io: Io): Command {
  const print = (line = '') => io.stdout.write(`${line}\n`);
  const program = new Command('kubectl-orch')
    .description('Lint, submit, watch and drive OrchestrationRuns (orchestration.proompteng.ai) from the command line; `kubectl orch` once on PATH.')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <ns>', "namespace (default: the context's, then default)")
    .addHelpText('after', '\nExit codes: 0 done (a watched run Succeeded), 1 lint problems or a watched run Failed, 2 a watched run Cancelled, 3 an error (the message says what), 64 a usage error.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const cluster = (command: Command): Cluster => connect(command.optsWithGlobals<KubeOptions>());
  const getRun = async (c: Cluster, name: string) => (await c.get(ORCHESTRATION_RUN_PLURAL, name)) as unknown as RunObject;

  async function watchToEnd(c: Cluster, name: string, show: boolean): Promise<void> {
    const p = printer(io.stdout, io.now);
    let last: RunObject | undefined;
    // Durations grow while nothing changes: a terminal gets the tree redrawn every second.
    const ticker = show && io.stdout.isTTY ? setInterval(() => last && p.show(last), 1000) : undefined;
    try {
      const end = await followRun(c, name, (run) => {
        last = run;
        if (show) p.show(run);
      });
      if (show) p.finish(end);
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
        if (read.findings.length > 0) throw new CliError(formatFindings(read.findings).join('\n'), 1);
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
      }
      if (opts.watch && manifests.length !== 1) throw new CliError(`--watch follows one run; ${file} has ${manifests.length}`, 64);
      // The bridge's checks first: a run it would refuse is not created.
      const findings = await lintDocuments(manifests.map((raw, index) => ({ file: file ?? opts.from!, index, raw })), { namespace: c.namespace, lookup: (ns, name) => c.findOrchestration(ns, name) });
      const problems = findings.filter((f) => f.problems.length > 0);
      if (problems.length > 0) throw new CliError(`not submitted:\n${formatFindings(problems).filter((l) => !l.includes(': note: ')).join('\n')}`, 1);
      for (const f of findings) for (const note of f.notes) io.stderr.write(`warning: ${f.kind}/${f.name}: ${note}\n`);
      const created: string[] = [];
      for (const m of manifests) {
        const ns = ((m.metadata as { namespace?: string } | undefined)?.namespace) ?? c.namespace;
        const run = (await c.create(ORCHESTRATION_RUN_PLURAL, m, ns)) as unknown as RunObject;
        created.push(run.metadata.name);
        if (!opts.watch) print(opts.output === 'name' ? `orchestrationrun.orchestration.proompteng.ai/${run.metadata.name} created` : renderRun(run, io.now()).join('\n'));
      }
      if (opts.watch) await watchToEnd(c, created[0]!, true);
    });

  program
    .command('get')
    .description('Show a run: its phase, its steps as a tree (phase, duration, reason) and its Temporal UI link')
    .argument('<run>', 'run name')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['tree', 'json', 'yaml']).default('tree'))
    .action(async (name: string, opts: { output: string }, command: Command) => {
      const run = await getRun(cluster(command), name);
      if (opts.output === 'json') print(JSON.stringify(run, null, 2));
      else if (opts.output === 'yaml') io.stdout.write(stringify(run));
      else print(renderRun(run, io.now()).join('\n'));
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
      await printLogs(cluster(command), name, step, { follow: opts.follow === true }, (t) => io.stdout.write(t), (t) => io.stderr.write(t));
    });

  const patchCommand = (verb: string, description: string, patch: (step?: string) => object, after: (run: string, step?: string) => string, withStep = false) => {
    const cmd = program.command(verb).description(description).argument('<run>', 'run name');
    if (withStep) cmd.argument('<step>', 'approval step name');
    cmd.action(async (name: string, ...rest: unknown[]) => {
      const command = rest[rest.length - 1] as Command;
      const step = withStep ? (rest[0] as string) : undefined;
      const c = cluster(command);
      const run = await getRun(c, name);
      if (isTerminalPhase(run.status?.phase)) throw new CliError(`run ${name} already ended ${run.status?.phase}; nothing to ${verb}`);
      if (step !== undefined) {
        const known = run.status?.steps?.map((s) => s.name);
        if (known && known.length > 0 && !known.includes(step)) throw new CliError(`run ${name} has no step ${step} (its steps: ${known.join(', ')})`);
      }
      await c.patch(ORCHESTRATION_RUN_PLURAL, name, { spec: patch(step) });
      print(after(name, step));
    });
    return cmd;
  };
  patchCommand('cancel', 'Cancel a run (spec.cancel: true); its finally steps still run', () => ({ cancel: true }), (r) => `run ${r} cancel requested`);
  patchCommand('suspend', 'Hold a run: running steps go on, no new step starts (spec.suspend: true)', () => ({ suspend: true }), (r) => `run ${r} suspend requested`);
  patchCommand('resume', 'Let a suspended run start steps again (spec.suspend: false)', () => ({ suspend: false }), (r) => `run ${r} resume requested`);
  patchCommand('approve', "Approve a run's approval step (spec.approvals.STEP: Approved)", (s) => ({ approvals: { [s!]: 'Approved' } }), (r, s) => `run ${r} step ${s} approved`, true);
  patchCommand('reject', "Reject a run's approval step (spec.approvals.STEP: Rejected); its dependents are skipped", (s) => ({ approvals: { [s!]: 'Rejected' } }), (r, s) => `run ${r} step ${s} rejected`, true);

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
      const known = run.status?.steps?.map((s) => s.name) ?? [];
      const unknown = opts.rerun.filter((s) => !known.includes(s));
      if (unknown.length > 0) throw new CliError(`run ${name} has no step ${unknown.join(', ')} (its steps: ${known.join(', ')})`, 64);
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
