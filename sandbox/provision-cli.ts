/**
 * `npm run sandbox:provision`: installs the sandbox's servers into the tools cache, and Debian's chromium for
 * the browser test, or says why it could not.
 */
import { CHROMIUM_PATH, ensureChromium, ensureTools, ProvisionError, toolsDir } from './tools/index.js';

try {
  const started = Date.now();
  const tools = await ensureTools();
  console.log(`[tools] all present in ${toolsDir()} (${Math.round((Date.now() - started) / 1000)} s)`);
  for (const [name, path] of Object.entries(tools)) console.log(`  ${name}: ${path}`);
  console.log(`[tools] ${await ensureChromium()} at ${CHROMIUM_PATH}`);
} catch (err) {
  console.error(err instanceof ProvisionError ? err.message : err);
  process.exit(1);
}
