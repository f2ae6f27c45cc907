// kubectl-orch's pure parts: the run tree, plain watch lines, argument forms, help and completion.
import { describe, expect, it } from 'vitest';
import { parseFrom, parseParameter } from '../../cli/args.js';
import { COMMAND_NAMES, completionScript } from '../../cli/completion.js';
import { changes, depths, formatDuration, renderRun, type RunObject } from '../../cli/tree.js';
import { printer } from '../../cli/watch.js';
import { runProgram } from './kubectl-orch-io.js';

const NOW = Date.parse('2026-01-01T00:01:00Z');
const diamond: RunObject = {
  metadata: { name: 'diamond', namespace: 'ci' },
  spec: {
    steps: [
      { name: 'fetch' },
      { name: 'test', dependsOn: ['fetch'] },
      { name: 'lint', dependsOn: ['fetch'] },
      { name: 'publish', dependsOn: ['test', 'lint'] },
    ],
  },
  status: {
    phase: 'Running',
    progress: '2/4',
    startTime: '2026-01-01T00:00:00Z',
    temporal: { namespace: 'default', workflowId: 'wf', taskQueue: 'q', uiUrl: 'http://ui/wf' },
    steps: [
      { name: 'fetch', phase: 'Succeeded', startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:05Z' },
      { name: 'test', phase: 'Succeeded', startTime: '2026-01-01T00:00:05Z', completionTime: '2026-01-01T00:00:20Z', output: 'ok' },
      { name: 'lint', phase: 'Failed', reason: 'Error', attempts: 2, message: 'exit code 3', startTime: '2026-01-01T00:00:05Z', completionTime: '2026-01-01T00:00:50Z' },
      { name: 'publish', phase: 'Pending' },
    ],
  },
};

describe('run tree', () => {
  it('nests each step under its deepest dependency and shows phase, duration and why', () => {
    expect(renderRun(diamond, NOW)).toEqual([
      'ci/diamond   Running   2/4 steps   1m0s',
      '  STEP          PHASE       DURATION   DETAILS',
      '  fetch         Succeeded   5s',
      '    test        Succeeded   15s',
      '    lint        Failed      45s        Error  2 attempts  exit code 3',
      '      publish   Pending',
      'Temporal UI: http://ui/wf',
    ]);
  });

  it('follows the sequential fallback when no step has dependsOn', () => {
    expect([...depths([{ name: 'a' }, { name: 'b' }, { name: 'c' }]).values()]).toEqual([0, 1, 2]);
    // A cycle (lint's to report) still renders.
    expect(depths([{ name: 'a', dependsOn: ['b'] }, { name: 'b', dependsOn: ['a'] }]).size).toBe(2);
  });

  it('formats durations', () => {
    expect([formatDuration(0), formatDuration(59_999), formatDuration(75_000), formatDuration(3_720_000)]).toEqual(['0s', '59s', '1m15s', '1h2m']);
  });

  it('prints one plain line per change when not on a terminal', () => {
    const before: RunObject = { ...diamond, status: { ...diamond.status, phase: 'Running', steps: diamond.status!.steps!.map((s) => (s.name === 'lint' ? { name: 'lint', phase: 'Running' } : s)) } };
    const after: RunObject = { ...diamond, status: { ...diamond.status, phase: 'Failed' } };
    expect(changes(before, after)).toEqual(['step lint Failed  Error  2 attempts  exit code 3', 'run diamond Failed']);
    expect(changes(undefined, { metadata: { name: 'x' } })).toEqual(['run x Pending']);
  });
});

describe('arguments', () => {
  it('parses -p key=value and --from orch/NAME, refusing other forms', () => {
    expect(parseParameter('b=x=y', parseParameter('a=1'))).toEqual({ a: '1', b: 'x=y' });
    expect(() => parseParameter('novalue')).toThrow('expected key=value');
    expect(parseFrom('orch/nightly')).toBe('nightly');
    expect(parseFrom('orchestration.orchestration.proompteng.ai/nightly')).toBe('nightly');
    expect(() => parseFrom('run/x')).toThrow('expected orch/NAME');
  });

  it('refuses submit with neither a file nor --from, as a usage error', async () => {
    expect(await runProgram(['submit'])).toMatchObject({ code: 64, stderr: 'error: submit needs a file or --from orch/NAME (one of them)\n' });
  });

  it('has --help for every command', async () => {
    for (const command of COMMAND_NAMES) {
      const help = await runProgram([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(new RegExp(`^Usage: kubectl-orch ${command}`));
    }
  });

  it('prints completion scripts that know every command', async () => {
    for (const shell of ['bash', 'zsh'] as const) {
      const script = completionScript(shell);
      for (const command of COMMAND_NAMES) expect(script).toContain(command);
      expect((await runProgram(['completion', shell])).stdout).toBe(script);
    }
    expect((await runProgram(['completion', 'fish'])).code).toBe(64);
  });
});

describe('watch printer', () => {
  const sink = (isTTY: boolean, columns = 200) => {
    const written: string[] = [];
    return { written, out: { isTTY, columns, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream };
  };

  it('redraws the tree in place on a terminal, moving up over the rows each line took', () => {
    const { written, out } = sink(true, 30);
    const p = printer(out, () => NOW);
    p.show(diamond);
    p.show(diamond);
    const lines = written[0]!.split('\n').slice(0, -1);
    // Counted by hand: lines of 39, 46, 31 and 69 columns take 2, 2, 2 and 3 rows of 30; the other three one each: 12.
    expect(lines.map((l) => [...l].length)).toEqual([39, 46, 30, 31, 69, 23, 25]);
    expect(written[1]!.startsWith('\x1b[12F\x1b[J')).toBe(true);
  });

  it('cuts a tree taller than the terminal to the steps at work or failed, then the first, and counts the rest', () => {
    const steps = Array.from({ length: 40 }, (_, i) => ({ name: `s${i}`, phase: i === 30 ? 'Running' : i === 12 ? 'Failed' : i < 12 ? 'Succeeded' : 'Pending' }));
    const tall: RunObject = { metadata: { name: 'tall' }, status: { phase: 'Running', steps: steps as never } };
    const written: string[] = [];
    const out = { isTTY: true, columns: 200, rows: 12, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream;
    printer(out, () => NOW).show(tall);
    const lines = written[0]!.split('\n').slice(0, -1);
    // 12 rows: 4 step rows, the failed s12 and running s30 first, then s0 and s1, in list order.
    expect(lines.filter((l) => /^ {2}s\d+ /.test(l)).map((l) => l.trim().split(/\s+/)[0])).toEqual(['s0', 's1', 's12', 's30']);
    expect(lines.at(-1)).toBe('  … 36 more steps (kubectl orch get tall shows all)');
    expect(lines.length).toBeLessThanOrEqual(12);
  });

  it('writes only the changes, then the tree at the end, when not on a terminal', () => {
    const { written, out } = sink(false);
    const p = printer(out, () => NOW);
    p.show({ ...diamond, status: { phase: 'Running' } });
    p.show(diamond);
    p.finish(diamond);
    expect(written.slice(0, 4)).toEqual(['run diamond Running\n', 'step fetch Succeeded\n', 'step test Succeeded\n', 'step lint Failed  Error  2 attempts  exit code 3\n']);
    expect(written[4]).toBe(`${renderRun(diamond, NOW).join('\n')}\n`);
  });
});
