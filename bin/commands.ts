/** The commands of the image's one entry point (dist/bin/orchestration-bridge.js), each an entry module of its own. */
export const COMMANDS = {
  bridge: '../bridge/main.js',
  worker: '../worker/main.js',
} as const;

export type Command = keyof typeof COMMANDS;

/** Exit code of a command line the dispatcher cannot run, as for a bad configuration. */
export const USAGE_EXIT_CODE = 2;

const USAGE = `usage: orchestration-bridge <${Object.keys(COMMANDS).join('|')}> (configured through the environment)`;

/** The command named by the arguments after the script, or the usage error to print. */
export function parseCommandLine(args: readonly string[]): { ok: true; command: Command } | { ok: false; message: string } {
  const [name, ...rest] = args;
  if (name === undefined) return { ok: false, message: `orchestration-bridge: no command given; ${USAGE}` };
  if (!Object.hasOwn(COMMANDS, name)) return { ok: false, message: `orchestration-bridge: unknown command ${JSON.stringify(name)}; ${USAGE}` };
  if (rest.length > 0) return { ok: false, message: `orchestration-bridge: unexpected arguments after ${name}: ${rest.join(' ')}; ${USAGE}` };
  return { ok: true, command: name as Command };
}
