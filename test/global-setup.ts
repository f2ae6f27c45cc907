/** Starts one sandbox (real Temporal + real Kubernetes) for all integration and e2e tests of a run. */
import type { TestProject } from 'vitest/node';
import { startSandbox, type SandboxEnv } from '../sandbox/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: SandboxEnv;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const sandbox = await startSandbox({ log: (line) => console.log(line) });
  project.provide('sandbox', sandbox.env);
  return () => sandbox.stop();
}
