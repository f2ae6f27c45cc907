// The image's one entry point takes its command as the first argument; the Helm chart and docker-compose rely on it.
import { describe, expect, it } from 'vitest';
import { COMMANDS, parseCommandLine, USAGE_EXIT_CODE } from '../../bin/commands.js';

describe('orchestration-bridge <command>', () => {
  it.each(['bridge', 'worker'])('runs %s', (command) => {
    expect(parseCommandLine([command])).toEqual({ ok: true, command });
  });

  it.each([
    [[], 'no command given'],
    [['controller'], 'unknown command "controller"'],
    [['Bridge'], 'unknown command "Bridge"'],
    [['toString'], 'unknown command "toString"'],
    [['worker', '--verbose'], 'unexpected arguments after worker: --verbose'],
  ])('refuses %j, naming the problem and the valid commands', (args, problem) => {
    const parsed = parseCommandLine(args);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(problem);
    expect(!parsed.ok && parsed.message).toContain('usage: orchestration-bridge <bridge|worker>');
  });

  it('has exactly the two commands, and exits 2 on a bad command line', () => {
    expect(Object.keys(COMMANDS)).toEqual(['bridge', 'worker']);
    expect(USAGE_EXIT_CODE).toBe(2);
  });
});
