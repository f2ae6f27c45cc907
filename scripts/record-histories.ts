/**
 * Records workflow histories for the replay test (test/unit/workflow-replay.test.ts). Run against a dev
 * sandbox after a deliberate, patched() change to the workflow:  source .dev/env && npx tsx scripts/record-histories.ts
 * Records only scenarios without a fixture: the old ones must keep proving that old histories replay.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { approveUpdate, getRunState, resumeUpdate, specControlsSignal, suspendUpdate, type RunStateView } from '../workflows/definitions.js';
import { connectTemporal } from '../common/temporal-connection.js';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { NativeConnection } from '@temporalio/worker';
import { workflowIdFor, type RunSnapshot, type Step } from '../core/index.js';
import { installCrds } from '../sandbox/kubernetes/apply.js';
import { DEFAULT_HTTP_FENCE_SETTINGS, httpFencePolicy } from '../worker/config.js';
import { createOrchestrationWorker } from '../worker/create-worker.js';
import { loadKubeConfig } from '../common/kube-config.js';

const address = process.env.TEMPORAL_ADDRESS;
const kubeconfig = process.env.KUBECONFIG;
if (!address || !kubeconfig) throw new Error('source .dev/env first: TEMPORAL_ADDRESS and KUBECONFIG are needed');
const dir = join(import.meta.dirname, '..', 'test', 'fixtures', 'histories');
const kc = loadKubeConfig(kubeconfig);
await installCrds(kubeconfig);
const api = kc.makeApiClient(CustomObjectsApi);
const taskQueue = `record-${Date.now()}`;
const native = await NativeConnection.connect({ address });
const worker = await createOrchestrationWorker({ connection: native, namespace: 'default', taskQueue, kubeConfig: kc, httpFence: httpFencePolicy(DEFAULT_HTTP_FENCE_SETTINGS, { temporalAddress: address, kubeConfig: kc }) });
const client = new Client({ connection: await connectTemporal({ address }) });

const act = (name: string, activity: string, input: Record<string, unknown>, extra: Partial<Step> = {}): Step => ({ name, activity: { name: activity, input }, ...extra });
interface Scenario {
  steps: Step[];
  parameters?: Record<string, string>;
  policy?: RunSnapshot['policy'];
  cancelGraceSeconds?: number;
  /** Cancel the workflow once this many steps run. */
  cancelWhenRunning?: number;
  /** Store the history gzipped (name.json.gz): for the large ones. */
  gzip?: boolean;
  finally?: Step[];
  activeDeadlineSeconds?: number;
  resume?: RunSnapshot['resume'];
  /** Acts on the running workflow (signals, updates) while it runs. */
  drive?: (handle: WorkflowHandle) => Promise<void>;
  /** Objects the run needs before it starts (e.g. an Orchestration an orchestration step runs). */
  setup?: () => Promise<void>;
}

/** Creates an Orchestration in namespace default, or leaves the one there. */
async function ensureOrchestration(name: string, steps: Step[]): Promise<void> {
  await api
    .createNamespacedCustomObject({
      group: 'orchestration.proompteng.ai', version: 'v1alpha1', plural: 'orchestrations', namespace: 'default',
      body: { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'Orchestration', metadata: { name }, spec: { steps } },
    })
    .catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
}

/** The workflow id of the first child workflow the workflow has running, once it has one. */
async function firstChild(handle: WorkflowHandle): Promise<string> {
  for (;;) {
    const child = (await handle.describe()).raw.pendingChildren?.[0]?.workflowId;
    if (child) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Polls the workflow's state until `test` holds. */
async function stateUntil(handle: WorkflowHandle, test: (state: RunStateView) => boolean): Promise<void> {
  for (;;) {
    if (test(await handle.query(getRunState))) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
const scenarios: Record<string, Scenario> = {
  'diamond-with-status': {
    steps: [
      act('fetch', 'sleep', { seconds: 0 }, { dependsOn: [] }),
      act('test', 'sleep', { seconds: 1 }, { dependsOn: ['fetch'] }),
      act('lint', 'fail', { message: 'lint {{params.branch}} failed' }, { dependsOn: ['fetch'], continueOnFailure: true }),
      act('publish', 'sleep', { seconds: 0 }, { dependsOn: ['test', 'lint'] }),
    ],
    parameters: { branch: 'main' },
  },
  'fail-fast-with-retries': {
    steps: [
      act('flaky', 'fail', { message: 'boom' }, { dependsOn: [], retry: { maxAttempts: 3, initialIntervalSeconds: 0.1 } }),
      act('slow', 'sleep', { seconds: 1 }, { dependsOn: [] }),
      act('after', 'sleep', { seconds: 0 }, { dependsOn: ['slow'] }),
      act('unknown', 'no-such-activity', {}, { dependsOn: [] }),
    ],
    policy: { parallelism: 2, failFast: true },
  },
  'cancelled-job-and-activity': {
    steps: [
      { name: 'job', dependsOn: [], job: { image: 'busybox', env: [{ name: 'KWOK_TERMINATION_MESSAGE', value: 'built' }] } },
      { name: 'forever', dependsOn: ['job'], job: { image: 'busybox', env: [{ name: 'KWOK_RUN_FOREVER', value: 'true' }] } },
      act('wait', 'sleep', { seconds: 600 }, { dependsOn: [] }),
      act('never', 'sleep', { seconds: 0 }, { dependsOn: ['wait'] }),
    ],
    cancelGraceSeconds: 1,
    cancelWhenRunning: 2,
  },
  // Patch workflow-owns-step-attempts: the step's own timeout retried by the workflow after a timer, a
  // non-retryable failure at its first attempt, a plain success.
  'workflow-owned-attempts': {
    steps: [
      act('ok', 'sleep', { seconds: 0 }, { dependsOn: [] }),
      act('slow', 'sleep', { seconds: 5 }, { dependsOn: [], timeoutSeconds: 1, retry: { maxAttempts: 2, initialIntervalSeconds: 0.5 }, continueOnFailure: true }),
      act('boom', 'fail', { message: 'boom' }, { dependsOn: ['ok'], retry: { maxAttempts: 3 } }),
    ],
  },
  // Patch final-status-until-written: the final status goes through its own, longer-retried write.
  'final-status-until-written': {
    steps: [act('first', 'sleep', { seconds: 0 }, { dependsOn: [] }), act('second', 'sleep', { seconds: 1 }, { dependsOn: ['first'] })],
  },
  // Patch status-writes-local: two progress writes as regular activities, the final one as a local activity.
  'status-writes-local': {
    steps: [
      act('first', 'sleep', { seconds: 0 }, { dependsOn: [] }),
      act('second', 'sleep', { seconds: 2 }, { dependsOn: ['first'] }),
      act('side', 'fail', { message: 'side failed' }, { dependsOn: [], continueOnFailure: true }),
    ],
  },
  // Patch bounded-inflight-steps: 1,001 ready steps, one more than run at once; the last starts when one ends.
  // Stored gzipped (about 3,000 activity events).
  'bounded-inflight-steps': {
    steps: Array.from({ length: 1001 }, (_, i) => act(`s${i}`, 'sleep', { seconds: 0 }, { dependsOn: [] })),
    gzip: true,
  },
  // Patch finally-steps: a failed DAG, then two finally steps in order, reading its phases and an output.
  'finally-steps': {
    steps: [act('build', 'sleep', { seconds: 0 }, { dependsOn: [] }), act('test', 'fail', { message: 'red' }, { dependsOn: ['build'] }), act('publish', 'sleep', { seconds: 0 }, { dependsOn: ['test'] })],
    finally: [act('report', 'sleep', { seconds: 0, run: '{{run.phase}}', test: '{{steps.test.phase}}', build: '{{steps.build.output}}' }), act('cleanup', 'fail', { message: 'cleanup failed' })],
  },
  // Patch finally-steps on a cancel: the finally step runs shielded from the cancellation, then the run is Cancelled.
  'finally-on-cancel': {
    steps: [act('wait', 'sleep', { seconds: 600 }, { dependsOn: [] }), act('never', 'sleep', { seconds: 0 }, { dependsOn: ['wait'] })],
    finally: [act('cleanup', 'sleep', { seconds: 1, run: '{{run.phase}}' })],
    cancelWhenRunning: 1,
  },
  // Patch run-deadline: an activity and a Job stopped at the deadline, a dependent skipped, a finally step run.
  'run-deadline': {
    steps: [
      act('wait', 'sleep', { seconds: 600 }, { dependsOn: [] }),
      { name: 'job', dependsOn: [], job: { image: 'busybox', env: [{ name: 'KWOK_RUN_FOREVER', value: 'true' }] } },
      act('later', 'sleep', { seconds: 0 }, { dependsOn: ['wait'] }),
    ],
    finally: [act('report', 'sleep', { seconds: 0, run: '{{run.phase}}' })],
    activeDeadlineSeconds: 4,
    cancelGraceSeconds: 1,
  },
  // Patch resume-from: two steps reused from an earlier run (one declared after its dependent), two run.
  'resume-from': {
    steps: [
      act('late', 'sleep', { seconds: 0 }, { dependsOn: ['early'] }),
      act('early', 'sleep', { seconds: 0 }, { dependsOn: [] }),
      act('use', 'sleep', { seconds: 0, saw: '{{steps.early.output}}' }, { dependsOn: ['late'] }),
      act('other', 'sleep', { seconds: 0 }, { dependsOn: [] }),
    ],
    resume: { from: { name: 'earlier', uid: 'u-earlier', workflowId: 'orchestrationrun/default/earlier/u-earlier' }, reused: { early: { output: 'E', startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:01Z' }, late: {} } },
  },
  // Patches approval-steps and run-suspend: a suspend by update while an approval waits, the approval from the
  // spec (the bridge's signal), a second approval by update, then a resume from the spec.
  'approvals-and-suspend': {
    steps: [
      act('build', 'sleep', { seconds: 0 }, { dependsOn: [] }),
      { name: 'go-live', dependsOn: ['build'], approval: { message: 'ship {{steps.build.output}}?' } },
      { name: 'qa', dependsOn: ['build'], approval: {} },
      act('deploy', 'sleep', { seconds: 0 }, { dependsOn: ['go-live', 'qa'] }),
    ],
    drive: async (handle) => {
      await stateUntil(handle, (s) => (s.waitingForApproval ?? []).length === 2);
      await handle.executeUpdate(suspendUpdate.name, { args: [{}] });
      await handle.signal(specControlsSignal, { generation: 2, approvals: [{ step: 'go-live', decision: 'Approved', by: 'spec:recorder' }] });
      await handle.executeUpdate(approveUpdate, { args: ['qa'] });
      await stateUntil(handle, (s) => s.steps.filter((step) => step.phase === 'Succeeded').length === 3);
      await handle.signal(specControlsSignal, { generation: 3, suspend: { value: false, by: 'spec:recorder' } });
    },
  },
  // Patch orchestration-steps: a child run whose parameters read an output, suspended and resumed through its
  // parent while it runs, its outputs read by the parent's next step.
  'orchestration-steps': {
    setup: () => ensureOrchestration('replay-sub-child', [act('one', 'sleep', { seconds: 1 }, { dependsOn: [] }), act('two', 'sleep', { seconds: 0, got: '{{params.x}}' }, { dependsOn: ['one'] })]),
    steps: [
      act('first', 'sleep', { seconds: 0 }, { dependsOn: [] }),
      { name: 'sub', dependsOn: ['first'], orchestration: { name: 'replay-sub-child', parameters: { x: 'after {{steps.first.output}}' } } },
      act('after', 'sleep', { seconds: 0, saw: '{{steps.sub.output}}' }, { dependsOn: ['sub'] }),
    ],
    drive: async (handle) => {
      const child = client.workflow.getHandle(await firstChild(handle));
      await handle.executeUpdate(suspendUpdate.name, { args: [{}] });
      await stateUntil(child, (s) => s.suspended === true);
      await handle.executeUpdate(resumeUpdate.name, { args: [{}] });
    },
  },
};

await worker.runUntil(async () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    const file = join(dir, scenario.gzip ? `${name}.json.gz` : `${name}.json`);
    if (existsSync(file)) continue;
    await scenario.setup?.();
    const runName = `replay-${name}-${Date.now()}`;
    const created = (await api.createNamespacedCustomObject({
      group: 'orchestration.proompteng.ai', version: 'v1alpha1', plural: 'orchestrationruns', namespace: 'default',
      body: { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name: runName }, spec: { steps: scenario.steps, ...(scenario.finally ? { finally: scenario.finally } : {}) } },
    })) as { metadata: { uid: string } };
    const snapshot: RunSnapshot = {
      run: { namespace: 'default', name: runName, uid: created.metadata.uid },
      steps: scenario.steps,
      parameters: scenario.parameters ?? {},
      policy: scenario.policy ?? { parallelism: 0, failFast: false },
      writeStatus: true,
      ...(scenario.cancelGraceSeconds !== undefined ? { cancelGraceSeconds: scenario.cancelGraceSeconds } : {}),
      ...(scenario.finally ? { finally: scenario.finally } : {}),
      ...(scenario.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: scenario.activeDeadlineSeconds } : {}),
      ...(scenario.resume ? { resume: scenario.resume } : {}),
    };
    const handle = await client.workflow.start('orchestrationRunWorkflow', { taskQueue, workflowId: workflowIdFor(snapshot.run), args: [{ snapshot }] });
    await scenario.drive?.(handle);
    if (scenario.cancelWhenRunning) {
      const wanted = scenario.cancelWhenRunning;
      for (;;) {
        const state = await handle.query<{ steps: { phase: string }[] }>('getRunState');
        if (state.steps.filter((s) => s.phase === 'Running').length >= wanted) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await handle.cancel();
    }
    await handle.result().catch(() => undefined);
    const history = await handle.fetchHistory();
    const json = historyToJSON(history);
    writeFileSync(file, scenario.gzip ? gzipSync(json) : json);
    console.log(`recorded ${name}: ${history.events?.length} events`);
  }
});
await native.close();
