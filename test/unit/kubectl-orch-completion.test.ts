// What `kubectl orch <TAB>` and `kubectl-orch <TAB>` offer: the pure reading of a partial line, and that its
// table of commands and flags is the program's own.
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, COMMAND_NAMES, completionOutput, GLOBAL_FLAGS, whatToComplete } from '../../cli/completion.js';
import { buildProgram } from '../../cli/program.js';

describe('whatToComplete', () => {
  it.each([
    [[''], { kind: 'words', words: [...COMMAND_NAMES] }],
    [['re'], { kind: 'words', words: ['retry', 'resume', 'reject'] }],
    [['-n', 'ci', 'w'], { kind: 'words', words: ['wait'] }],
    [['get', ''], { kind: 'runs', globals: {} }],
    [['-n', 'ci', 'get', ''], { kind: 'runs', globals: { namespace: 'ci' } }],
    [['get', '--namespace=ci', '--context', 'prod', '--kubeconfig', '/k', ''], { kind: 'runs', globals: { namespace: 'ci', context: 'prod', kubeconfig: '/k' } }],
    [['logs', '-n', 'ci', 'build-1', ''], { kind: 'steps', run: 'build-1', globals: { namespace: 'ci' } }],
    [['approve', 'build-1', ''], { kind: 'steps', run: 'build-1', globals: {} }],
    [['approve', 'build-1', 'gate', ''], { kind: 'nothing' }],
    [['retry', 'build-1', '--rerun', ''], { kind: 'steps', run: 'build-1', globals: {} }],
    [['lint', 'a.yaml', ''], { kind: 'files' }],
    [['submit', ''], { kind: 'files' }],
    [['get', 'r', '-o', ''], { kind: 'words', words: ['tree', 'json', 'yaml'] }],
    [['list', '-o', 'n'], { kind: 'words', words: ['name'] }],
    [['completion', ''], { kind: 'words', words: ['bash', 'zsh'] }],
    [['--context', ''], { kind: 'contexts', globals: {} }],
    [['get', '-n', ''], { kind: 'namespaces', globals: {} }],
    [['--kubeconfig', ''], { kind: 'files' }],
    [['submit', '-p', ''], { kind: 'nothing' }],
    [['nope', ''], { kind: 'nothing' }],
  ] as const)('%j', (args, expected) => {
    expect(whatToComplete(args)).toEqual(expected);
  });

  it('offers -A only where it is accepted (list), never before a command', () => {
    const flags = (args: string[]) => {
      const c = whatToComplete(args);
      return c.kind === 'words' ? c.words : [];
    };
    expect(flags(['-'])).not.toContain('-A');
    expect(flags(['get', '-'])).not.toContain('--all-namespaces');
    expect(flags(['list', '-'])).toEqual(expect.arrayContaining(['-A', '--all-namespaces', '-n', '--context']));
    expect(flags(['ls', '--a'])).toEqual(['--all-namespaces']);
  });
});

describe('completionOutput', () => {
  it("speaks kubectl's plugin protocol: candidates matching the word, then the directive", () => {
    expect(completionOutput({ kind: 'runs', globals: {} }, ['build-1', 'build-2', 'deploy'], 'b')).toBe('build-1\nbuild-2\n:4\n');
    expect(completionOutput({ kind: 'files' }, [], 'a')).toBe(':0\n');
  });
});

describe('the table of commands', () => {
  it("is the program's: every command, flag and argument count", () => {
    const program = buildProgram({ stdout: process.stdout, stderr: process.stderr, readFile: () => '', setExitCode: () => undefined, now: Date.now });
    const names = (options: readonly Option[]) => options.flatMap((o) => [o.short, o.long].filter((n): n is string => n !== undefined));
    const withValue = (options: readonly Option[]) => options.filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long].filter((n): n is string => n !== undefined));
    const globals = GLOBAL_FLAGS.flatMap((f) => f.names).filter((n) => n !== '-h' && n !== '--help');
    expect(names(program.options).sort()).toEqual([...globals].sort());
    expect(program.commands.map((c: Command) => c.name()).sort()).toEqual([...COMMAND_NAMES].sort());
    for (const command of program.commands) {
      const spec = COMMANDS[command.name() as keyof typeof COMMANDS];
      expect(spec.flags.flatMap((f) => f.names).sort(), command.name()).toEqual(names(command.options).sort());
      expect(spec.flags.filter((f) => f.value !== undefined).flatMap((f) => f.names).sort(), command.name()).toEqual(withValue(command.options).sort());
      expect(spec.args.length, command.name()).toBe(command.registeredArguments.length);
      expect(spec.variadic === true, command.name()).toBe(command.registeredArguments.some((a) => a.variadic));
    }
  });
});
