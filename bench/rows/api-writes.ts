/** Rows: Kubernetes API writes per run (S = 3, 30, 300), and 409 Conflicts per 1,000 runs over every bridge block. */
import { sleepChain } from '../bench-sandbox.js';
import { conflictsIn } from '../block-meter.js';
import type { BlockRecord, Harness } from '../harness.js';
import { round, type Row } from '../report.js';
import type { Sizes } from '../sizes.js';

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION']);
const IN_FLIGHT = 5;

/** A block's apiserver requests sorted into what issue 12 counts. */
export function sortWrites(requests: Record<string, number>) {
  const out = { userCreates: 0, statusWrites: 0, metadataWrites: 0, events: 0, reads: 0, statusByVerb: {} as Record<string, number>, background: {} as Record<string, number> };
  for (const [key, n] of Object.entries(requests)) {
    const [, verb = '', resource = ''] = key.split(' ');
    const onRuns = resource === 'orchestrationruns' || resource.startsWith('orchestrationruns/');
    if (!WRITE_VERBS.has(verb)) {
      if (onRuns && verb === 'GET') out.reads += n;
      continue;
    }
    if (resource === 'orchestrationruns' && verb === 'POST') out.userCreates += n;
    else if (resource === 'orchestrationruns/status') {
      out.statusWrites += n;
      out.statusByVerb[verb] = (out.statusByVerb[verb] ?? 0) + n;
    } else if (onRuns) out.metadataWrites += n;
    else if (resource === 'events') out.events += n;
    else out.background[`${verb} ${resource}`] = (out.background[`${verb} ${resource}`] ?? 0) + n;
  }
  return out;
}

async function bridgeWrites(h: Harness): Promise<Map<string, number>> {
  return new Map((await h.metrics.apiWrites.get()).values.map((v) => [String(v.labels.kind), v.value]));
}

export async function apiWritesRows(h: Harness, sizes: Sizes): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [i, s] of sizes.writeSteps.entries()) {
    const n = sizes.writeRuns[i] ?? 1;
    const before = await bridgeWrites(h);
    const { record } = await h.block(
      'api-writes',
      'bridge',
      `${n} runs of a ${s}-step chain`,
      n,
      async () => {
        let next = 0;
        await Promise.all(
          Array.from({ length: Math.min(IN_FLIGHT, n) }, async () => {
            while (next < n) await h.runBridge(`writes-${s}-${next++}`, sleepChain(s));
          }),
        );
      },
      async () => {
        const after = await bridgeWrites(h);
        return { bridgeWrites: Object.fromEntries([...after].map(([kind, v]) => [kind, v - (before.get(kind) ?? 0)]).filter(([, v]) => Number(v) > 0)) };
      },
    );
    const sorted = sortWrites(record.apiserverRequests ?? {});
    const bridge = (record.extra?.bridgeWrites ?? {}) as Record<string, number>;
    const bridgeStatus = (bridge.patchStatus ?? 0) + (bridge.applyStatus ?? 0);
    const writes = sorted.statusWrites + sorted.metadataWrites + sorted.events;
    const perRun = writes / n;
    const goal = 3 + Math.ceil(s / 10);
    const per = (x: number) => round(x / n);
    rows.push({
      id: 'api-writes',
      ratio: `Kubernetes API writes per run, S = ${s}`,
      raw: '—',
      bridge: `status ${per(sorted.statusWrites)} (workflow ${per(sorted.statusWrites - bridgeStatus)}, bridge ${per(bridgeStatus)}), metadata/finalizer ${per(sorted.metadataWrites)}, Events ${per(sorted.events)} (bridge ${per(bridge.event ?? 0)}); + the user's create`,
      value: perRun,
      unit: 'writes',
      goal: `≤ 3 + ⌈S/10⌉ = ${goal}`,
      met: perRun <= goal,
      method: `${n} run(s) of an S-step chain of sleep 0 through the bridge (${IN_FLIGHT} in flight); apiserver_request_total grown over the block (until the bridge settled), writes (POST/PUT/PATCH/APPLY/DELETE) to orchestrationruns, their status and Events, without the user's create; status writes split by field manager with the bridge's own write counter (the rest are the workflow's, orchestration-workflow)`,
      detail: { s, runs: n, perRun: { statusWrites: per(sorted.statusWrites), workflowStatusWrites: per(sorted.statusWrites - bridgeStatus), bridgeStatusWrites: per(bridgeStatus), metadataWrites: per(sorted.metadataWrites), events: per(sorted.events), bridgeEvents: per(bridge.event ?? 0), runReads: per(sorted.reads) }, statusByVerb: sorted.statusByVerb, bridgeWrites: bridge, userCreates: sorted.userCreates, notCounted: sorted.background },
    });
  }
  return rows;
}

/** 409 Conflicts over every bridge block of the run but the cache row's (it creates its runs itself). */
export function conflictsRow(blocks: BlockRecord[]): Row {
  const bridge = blocks.filter((b) => b.side === 'bridge' && b.apiserverRequests && b.row !== 'cache-rss');
  const runs = bridge.reduce((sum, b) => sum + b.runs, 0);
  const conflicts = bridge.reduce((sum, b) => sum + conflictsIn(b.apiserverRequests), 0);
  const value = runs > 0 ? (conflicts / runs) * 1000 : NaN;
  return {
    id: 'conflicts',
    ratio: '409 Conflicts per 1,000 runs',
    raw: '—',
    bridge: `${conflicts} in ${runs} runs`,
    value,
    unit: 'per 1,000 runs',
    goal: '0',
    met: conflicts === 0 && runs > 0,
    method: 'apiserver_request_total with code 409, summed over every bridge block of this run (throughput, idle, burst, chains, fan-outs, writes, cancels), per run created in them',
    detail: { conflicts, runs, byBlock: bridge.filter((b) => conflictsIn(b.apiserverRequests) > 0).map((b) => ({ row: b.row, label: b.label, conflicts: conflictsIn(b.apiserverRequests) })) },
  };
}
