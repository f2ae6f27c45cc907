/** Row: cancel latency, spec.cancel through the bridge beside Temporal's own handle.cancel(). */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { WorkflowHandle } from '@temporalio/client';
import { API_GROUP, API_VERSION, ORCHESTRATION_RUN_PLURAL, workflowIdFor } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { percentile } from '../bench-sandbox.js';
import { NAMESPACE, RAW_TASK_QUEUE, type Harness } from '../harness.js';
import { ms, round, type Row } from '../report.js';
import type { Sizes } from '../sizes.js';

/** Resolves once the workflow's running activity has heartbeated: the moment both sides cancel from. */
const heartbeating = (handle: WorkflowHandle) =>
  waitFor(async () => ((await handle.describe()).raw.pendingActivities?.some((a) => a.lastHeartbeatTime) ? true : undefined), { what: `${handle.workflowId} heartbeating`, timeoutMs: 120_000, intervalMs: 50 });

export async function cancelRow(h: Harness, sizes: Sizes): Promise<Row> {
  const n = sizes.cancelRuns;
  const { api, client } = h.ctx;
  const { result: bridgeMs } = await h.block('cancel', 'bridge', `${n} cancels, one after the other`, n, async () => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const name = `cancel-${i}`;
      const { uid } = await h.createRun(name, [{ name: 'wait', activity: { name: 'sleep', input: { seconds: 3600 } } }]);
      await heartbeating(client.workflow.getHandle(workflowIdFor({ namespace: NAMESPACE, name, uid })));
      const at = Date.now();
      await api.patchNamespacedCustomObject(
        { group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_RUN_PLURAL, namespace: NAMESPACE, name, body: { spec: { cancel: true } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      out.push((await h.phases.seenIn(name, 'Cancelled')) - at);
    }
    return out;
  });
  const { result: rawMs } = await h.block('cancel', 'raw', `${n} cancels, one after the other`, n, async () => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const handle = await client.workflow.start('rawCancellable', { taskQueue: RAW_TASK_QUEUE, workflowId: `raw-cancel-${i}-${Date.now()}` });
      await heartbeating(handle);
      const at = Date.now();
      await handle.cancel();
      const saw = await waitFor(() => h.sawCancel.get(handle.workflowId), { what: `${handle.workflowId} saw the cancel`, timeoutMs: 60_000, intervalMs: 10 });
      out.push(saw - at);
      await handle.result().catch(() => undefined); // cancelled, as asked
    }
    h.sawCancel.clear();
    return out;
  });
  const value = percentile(bridgeMs, 50) / percentile(rawMs, 50);
  return {
    id: 'cancel',
    ratio: 'spec.cancel → activity saw it and phase Cancelled seen ÷ raw handle.cancel → activity saw it (p50)',
    raw: `p50 ${ms(percentile(rawMs, 50))}, p99 ${ms(percentile(rawMs, 99))}`,
    bridge: `p50 ${ms(percentile(bridgeMs, 50))}, p99 ${ms(percentile(bridgeMs, 99))}`,
    value,
    unit: '',
    goal: '≤ 1.5',
    met: value <= 1.5,
    method: `${n} runs of each side, one at a time, each cancelled once its activity has heartbeated (heartbeat timeout 2 s on both). Bridge: spec.cancel merge-patched → phase Cancelled seen through the watch (the workflow writes Cancelled only after its step stopped, so this includes the activity seeing the cancel). Raw: handle.cancel() → the activity's cancellation noted inside it`,
    detail: { p99Ratio: round(percentile(bridgeMs, 99) / percentile(rawMs, 99)), bridgeMs, rawMs },
  };
}
