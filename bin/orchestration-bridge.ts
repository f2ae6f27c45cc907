/**
 * The image's entry point: `orchestration-bridge bridge` runs the controller, `orchestration-bridge worker` the
 * Temporal worker. One file, so the image, the Helm chart, docker-compose and the tests all start the same thing.
 */
import { COMMANDS, parseCommandLine, USAGE_EXIT_CODE } from './commands.js';

const parsed = parseCommandLine(process.argv.slice(2));
if (!parsed.ok) {
  console.error(parsed.message);
  process.exit(USAGE_EXIT_CODE);
}
// The entry module runs on import (top-level await) and owns the process from here on.
await import(COMMANDS[parsed.command]);
