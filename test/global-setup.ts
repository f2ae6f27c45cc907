/** Starts one sandbox (real Temporal + real Kubernetes) for all integration and e2e tests of a run. */
import type { TestProject } from 'vitest/node';
import { buildEntryPoints } from '../sandbox/entry-point.js';
import { startSandbox, type SandboxEnv } from '../sandbox/index.js';
import { installCrds } from '../sandbox/kubernetes/apply.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: SandboxEnv;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The tests start the built bridge and worker: never an older build than the source, even when a single
  // file runs without `npm test` (which built already; then this finds nothing to do).
  await buildEntryPoints();
  const sandbox = await startSandbox({ log: (line) => console.log(line) });
  // Installed once up front as well: kube-controller-manager's garbage collector discovers new resource
  // types only every 30 s, and owner references to OrchestrationRuns need it to know the type.
  await installCrds(sandbox.env.KUBECONFIG);
  project.provide('sandbox', sandbox.env);
  return () => sandbox.stop();
}
