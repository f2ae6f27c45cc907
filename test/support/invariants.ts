/**
 * What must hold after any fault, as a user would check it: every run ended as it would have without the
 * fault (its phase agrees with its workflow's), no run is lost or stuck, no second workflow for a run, no
 * second Job for one attempt, no finalizer left on a deleted run, no workflow running without its run.
 */
import type { Client, WorkflowExecutionStatusName } from '@temporalio/client';
import { JobLabels } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import type { CommandResult } from './run.js';
import { kubectl as sandboxKubectl } from './sandbox.js';

/** kubectl against one cluster: the shared sandbox's by default, or a test's own. */
export type Kubectl = (args: string[], input?: string) => Promise<CommandResult>;

export type Expected = 'Succeeded' | 'Failed' | 'Cancelled' | 'deleted';

/** A run as `kubectl get orchrun -o json` shows it, the few fields the chaos tests look at. */
export interface ListedRun {
  name: string;
  uid: string;
  phase?: string;
  finalizers: string[];
  stepPhases: string[];
}

/** The runs of a namespace, through kubectl; throws when kubectl fails (e.g. the apiserver is down). */
export async function listRuns(ns: string, kubectl: Kubectl = sandboxKubectl): Promise<ListedRun[]> {
  const got = await kubectl(['get', 'orchrun', '-n', ns, '-o', 'json']);
  if (got.code !== 0) throw new Error(`kubectl get orchrun -n ${ns}: ${got.stderr}`);
  type Item = { metadata: { name: string; uid: string; finalizers?: string[] }; status?: { phase?: string; steps?: { phase: string }[] } };
  return (JSON.parse(got.stdout) as { items: Item[] }).items.map((i) => ({
    name: i.metadata.name,
    uid: i.metadata.uid,
    phase: i.status?.phase,
    finalizers: i.metadata.finalizers ?? [],
    stepPhases: (i.status?.steps ?? []).map((step) => step.phase),
  }));
}

async function runsOf(ns: string, kubectl: Kubectl): Promise<Map<string, ListedRun>> {
  return new Map((await listRuns(ns, kubectl)).map((run) => [run.name, run]));
}

interface WorkflowRow {
  workflowId: string;
  runId: string;
  status: WorkflowExecutionStatusName;
  uid: string;
}

async function workflowsOf(client: Client, ns: string): Promise<WorkflowRow[]> {
  const rows: WorkflowRow[] = [];
  for await (const w of client.workflow.list({ query: `OrchestrationRunNamespace = "${ns}"` })) {
    const uid = w.searchAttributes?.OrchestrationRunUid?.[0];
    rows.push({ workflowId: w.workflowId, runId: w.runId, status: w.status.name, uid: typeof uid === 'string' ? uid : '' });
  }
  return rows;
}

const WORKFLOW_STATUS: Record<Exclude<Expected, 'deleted'>, WorkflowExecutionStatusName> = { Succeeded: 'COMPLETED', Failed: 'FAILED', Cancelled: 'CANCELLED' };

/** Waits until every run ended as expected, then checks the invariants; throws naming each violation. */
export async function expectInvariants(client: Client, ns: string, expected: Map<string, Expected>, timeoutMs: number, kubectl: Kubectl = sandboxKubectl): Promise<void> {
  // 0 runs lost or stuck: each reaches its expected end within the deadline.
  const runs = await waitFor(
    async () => {
      const now = await runsOf(ns, kubectl);
      const pending = [...expected].filter(([name, want]) => (want === 'deleted' ? now.has(name) : now.get(name)?.phase !== want));
      return pending.length === 0 ? now : undefined;
    },
    {
      what: `every run of ${ns} ended as expected`,
      timeoutMs,
      intervalMs: 1000,
    },
  ).catch(async (err: unknown) => {
    const now = await runsOf(ns, kubectl);
    const wrong = [...expected].filter(([name, want]) => (want === 'deleted' ? now.has(name) : now.get(name)?.phase !== want));
    const list = wrong.slice(0, 10).map(([name, want]) => `${name}: expected ${want}, is ${now.has(name) ? (now.get(name)!.phase ?? 'no phase') : 'gone'}${now.get(name)?.finalizers.length ? ` (finalizers ${now.get(name)!.finalizers.join(',')})` : ''}`);
    throw new Error(`${wrong.length} runs did not end as expected: ${list.join('; ')}`, { cause: err });
  });

  // Visibility is eventually consistent: wait until no workflow of the namespace runs any more.
  const workflows = await waitFor(
    async () => {
      const rows = await workflowsOf(client, ns);
      return rows.some((r) => r.status === 'RUNNING') ? undefined : rows;
    },
    { what: `no workflow of ${ns} running (none without its run)`, timeoutMs: 60_000, intervalMs: 1000 },
  );
  const problems: string[] = [];
  const idsByUid = new Map<string, Set<string>>();
  for (const w of workflows) idsByUid.set(w.uid, (idsByUid.get(w.uid) ?? new Set()).add(w.workflowId));
  for (const [uid, ids] of idsByUid) if (ids.size > 1) problems.push(`run uid ${uid} has ${ids.size} workflows: ${[...ids].join(', ')}`);
  for (const [name, want] of expected) {
    if (want === 'deleted') continue;
    const run = runs.get(name)!;
    const latest = workflows.filter((w) => w.uid === run.uid && w.status !== 'CONTINUED_AS_NEW');
    if (latest.length !== 1) problems.push(`${name}: ${latest.length} closed workflow runs instead of 1`);
    else if (latest[0]!.status !== WORKFLOW_STATUS[want]) problems.push(`${name}: phase ${want} but its workflow closed ${latest[0]!.status}`);
  }

  // 0 second Jobs for one attempt.
  const listed = await kubectl(['get', 'jobs', '-n', ns, '-o', 'json']);
  if (listed.code !== 0) throw new Error(`kubectl get jobs -n ${ns}: ${listed.stderr}`);
  const attempts = new Map<string, number>();
  for (const job of (JSON.parse(listed.stdout) as { items: { metadata?: { labels?: Record<string, string> } }[] }).items) {
    const l = job.metadata?.labels ?? {};
    const key = `${l[JobLabels.runUid]}/${l[JobLabels.step]}/${l[JobLabels.attempt]}`;
    attempts.set(key, (attempts.get(key) ?? 0) + 1);
  }
  for (const [key, count] of attempts) if (count > 1) problems.push(`${count} Jobs for attempt ${key}`);
  if (problems.length > 0) throw new Error(`invariants violated in ${ns}:\n${problems.join('\n')}`);
}
