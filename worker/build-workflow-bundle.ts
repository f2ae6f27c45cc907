/**
 * Second step of `npm run build` (run compiled, after tsc): bundles dist/workflows/ into dist/workflow-bundle.js
 * with the SDK's bundleWorkflowCode. Skipped when the compiled code and the lockfile are unchanged since the
 * last bundle, so the build at the start of `npm test` stays quick.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pino from 'pino';
import { WORKFLOW_BUNDLE_PATH, WORKFLOWS_PATH } from './workflow-bundle.js';

const logger = pino({ name: 'build' }, pino.destination({ dest: 2, sync: true }));
const dist = join(import.meta.dirname, '..');
const root = join(dist, '..');
const stampPath = `${WORKFLOW_BUNDLE_PATH}.sha256`;

/** Every compiled file (the bundle may import any of them) and the lockfile (the SDK and zod versions). */
function inputsDigest(): string {
  const hash = createHash('sha256');
  const files = readdirSync(dist, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js') && join(dist, f) !== WORKFLOW_BUNDLE_PATH)
    .sort();
  for (const file of [...files.map((f) => join(dist, f)), join(root, 'package-lock.json')]) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const digest = inputsDigest();
if (existsSync(WORKFLOW_BUNDLE_PATH) && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === digest) {
  logger.info(`${relative(root, WORKFLOW_BUNDLE_PATH)} is up to date`);
} else {
  const startedAt = performance.now();
  // Loaded only when bundling: the SDK's bundler (webpack, swc) takes seconds to load.
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: (message, meta) => logger.warn(meta ?? {}, message),
      error: (message, meta) => logger.error(meta ?? {}, message),
    },
  });
  // Written whole and then renamed, so a worker never reads half a bundle.
  writeFileSync(`${WORKFLOW_BUNDLE_PATH}.tmp`, code);
  renameSync(`${WORKFLOW_BUNDLE_PATH}.tmp`, WORKFLOW_BUNDLE_PATH);
  writeFileSync(stampPath, digest);
  logger.info(`wrote ${relative(root, WORKFLOW_BUNDLE_PATH)} (${Math.round(code.length / 1024)} KiB) in ${Math.round(performance.now() - startedAt)} ms`);
}
