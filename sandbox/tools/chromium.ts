/**
 * Debian's `chromium` for the browser test (test/e2e/temporal-ui-browser.test.ts): a system package, not a
 * cache entry, so it is installed with apt-get where missing. Present means one stat and one
 * `chromium --version`; a failed install names the command and what it printed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ProvisionError } from './cache.js';

/** Where Debian's package puts the browser; playwright-core launches it from here (never a browser build of its own). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The commands that install it, as a user would type them. */
export const CHROMIUM_INSTALL = 'apt-get update && apt-get install -y --no-install-recommends chromium';

/** Lines of a failed command's output kept in the error. */
const OUTPUT_TAIL_LINES = 30;

interface Ran {
  code: number | null;
  output: string;
}

function run(command: string, args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    // noninteractive: no debconf prompt can wait forever on a machine without a terminal.
    const child = spawn(command, args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('error', (err) => resolve({ code: null, output: `could not start ${command}: ${err.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** A failed install: names the command, what the user can run instead, and the command's last lines of output. */
class ChromiumProvisionError extends ProvisionError {
  constructor(command: string, detail: string, output: string) {
    super('chromium', command, '', detail);
    this.message = `could not provision chromium: \`${command}\` ${detail}. The browser test needs ${CHROMIUM_PATH}; install it as root with \`${CHROMIUM_INSTALL}\`. Its output:\n${tail(output)}`;
  }
}

function tail(text: string): string {
  const lines = text.trimEnd().split('\n');
  return (lines.length > OUTPUT_TAIL_LINES ? [`… ${lines.length - OUTPUT_TAIL_LINES} lines before`, ...lines.slice(-OUTPUT_TAIL_LINES)] : lines).join('\n');
}

/** `chromium --version`, or undefined when it is missing or does not start. */
async function installedVersion(): Promise<string | undefined> {
  if (!existsSync(CHROMIUM_PATH)) return undefined;
  const got = await run(CHROMIUM_PATH, ['--version']);
  // Debian's wrapper script may print a shell warning before the version line.
  return got.code === 0 ? got.output.trim().split('\n').at(-1) : undefined;
}

/** Returns the version of Debian's chromium, installing the package first when it is missing. */
export async function ensureChromium(log: (line: string) => void = console.log): Promise<string> {
  const present = await installedVersion();
  if (present) return present;
  log(`[tools] installing chromium: ${CHROMIUM_INSTALL}`);
  // Waits for another apt-get's lock (another provisioning on this machine) instead of failing at once.
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  for (const args of [['update', ...lock], ['install', '-y', '--no-install-recommends', ...lock, 'chromium']]) {
    const got = await run('apt-get', args);
    if (got.code !== 0) {
      const detail = got.code === null ? 'could not run' : `exited with code ${got.code}`;
      throw new ChromiumProvisionError(`apt-get ${args.join(' ')}`, detail, got.output);
    }
  }
  const installed = await installedVersion();
  if (!installed) throw new ChromiumProvisionError(`${CHROMIUM_PATH} --version`, 'failed after apt-get installed the package', (await run(CHROMIUM_PATH, ['--version'])).output);
  return installed;
}
