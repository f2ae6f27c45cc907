// Bad input through the real apiserver, as a user would send it: each object is either refused at create
// (the CRD, generated from zod, names the field) or admitted and ended by the bridge Failed/InvalidSpec with
// a bounded message and a Warning Event. Never a run without status. BAD_INPUT_PER_CLASS sets how many of
// each class (default 10; the acceptance run uses 100).
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_MESSAGE_MAX_BYTES, STATUS_MESSAGE_MAX_BYTES, utf8Bytes, type Condition, type OrchestrationRunStatus } from '../../core/index.js';
import { waitFor } from '../../sandbox/wait.js';
import { startBridgeHarness, type BridgeHarness } from '../support/bridge-harness.js';
import { kubeConfig, kubectl, uniqueName } from '../support/sandbox.js';

const PER_CLASS = Number(process.env.BAD_INPUT_PER_CLASS ?? 10);
const GROUP = { group: 'orchestration.proompteng.ai', version: 'v1alpha1' };

let h: BridgeHarness;
let api: CustomObjectsApi;
let core: CoreV1Api;
beforeAll(async () => {
  h = await startBridgeHarness('bad-input');
  api = kubeConfig().makeApiClient(CustomObjectsApi);
  core = kubeConfig().makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await h?.stop();
});

const name63 = (i: number) => `s${String(i).padStart(62, '0')}`;
const sleep = { activity: { name: 'sleep', input: { seconds: 0 } } };

type Outcome = 'rejected' | 'invalid';
interface BadClass {
  name: string;
  outcome: Outcome;
  spec: (i: number) => Record<string, unknown>;
  /** What the apiserver's refusal, or the run's status message, must name. */
  names: RegExp;
}

const classes: BadClass[] = [
  {
    name: 'oversize quantity (73 characters)',
    outcome: 'rejected',
    spec: (i) => ({ steps: [{ name: 'a', job: { image: 'busybox', resources: { requests: { cpu: `${i}${'0'.repeat(72 - String(i).length)}m` } } } }] }),
    names: /spec\.steps\[0\]\.job\.resources\.requests\.cpu: Too long/,
  },
  {
    name: 'malformed quantity',
    outcome: 'rejected',
    spec: (i) => ({ steps: [{ name: 'a', job: { image: 'busybox', resources: { limits: { memory: `${i} lots` } } } }] }),
    names: /spec\.steps\[0\]\.job\.resources\.limits\.memory: Invalid value/,
  },
  {
    name: 'integer quantity beyond 2^53',
    outcome: 'rejected',
    spec: (i) => ({ steps: [{ name: 'a', job: { image: 'busybox', resources: { requests: { memory: 9007199254740992 + i * 2 } } } }] }),
    names: /spec\.steps\[0\]\.job\.resources\.requests\.memory: Invalid value: .*must be less than or equal to 9\.007199254740991e\+15|spec\.steps\[0\]\.job\.resources\.requests\.memory: Invalid value: .*9007199254740991/,
  },
  {
    name: 'unknown dependsOn by name',
    outcome: 'rejected',
    spec: (i) => ({ steps: [{ name: 'a', ...sleep }, { name: 'b', dependsOn: [`missing-${i}`], ...sleep }] }),
    names: /spec\.steps: Invalid value: .*every dependsOn entry must name a step of this list/,
  },
  {
    name: 'bad types',
    outcome: 'rejected',
    spec: (i) => ({ steps: [{ name: 'a', timeoutSeconds: `ten-${i}`, ...sleep }] }),
    names: /spec\.steps\[0\]\.timeoutSeconds: Invalid value: "string"/,
  },
  {
    name: 'missing {{params.branch}} in a 600-step run',
    outcome: 'invalid',
    spec: (i) => ({ parameters: { other: String(i) }, steps: Array.from({ length: 600 }, (_, s) => ({ name: name63(s), activity: { name: 'sleep', input: { note: 'on {{params.branch}}' } } })) }),
    names: /^invalid spec: step "s0+" uses \{\{params\.branch\}\}, which is not a parameter of this run; .*; and \d+ more$/,
  },
  {
    name: 'a 2,000-step cycle of 63-character names',
    outcome: 'invalid',
    spec: (i) => ({ parameters: { n: String(i) }, steps: Array.from({ length: 2000 }, (_, s) => ({ name: name63(s), dependsOn: [name63((s + 1) % 2000)], ...sleep })) }),
    names: /^invalid spec: dependency cycle: s0{62} → s0+1999 → .*…$/,
  },
];

async function create(kind: 'OrchestrationRun' | 'Orchestration', name: string, spec: unknown): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    await api.createNamespacedCustomObject({
      ...GROUP,
      namespace: h.ns,
      plural: kind === 'Orchestration' ? 'orchestrations' : 'orchestrationruns',
      body: { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind, metadata: { name }, spec },
    });
    return { ok: true };
  } catch (err) {
    const body = (err as { body?: string }).body;
    const code = (err as { code?: number }).code;
    if (code !== 422 || !body) throw err;
    return { ok: false, message: (JSON.parse(body) as { message: string }).message };
  }
}

/** Creates in small parallel batches: 2 cores are shared with the sandbox. */
async function createAll(items: { name: string; spec: unknown }[]) {
  const results: Awaited<ReturnType<typeof create>>[] = [];
  for (let i = 0; i < items.length; i += 5) results.push(...(await Promise.all(items.slice(i, i + 5).map((it) => create('OrchestrationRun', it.name, it.spec)))));
  return results;
}

async function listRuns(): Promise<Map<string, OrchestrationRunStatus | undefined>> {
  const list = (await api.listNamespacedCustomObject({ ...GROUP, namespace: h.ns, plural: 'orchestrationruns' })) as { items: { metadata: { name: string }; status?: OrchestrationRunStatus }[] };
  return new Map(list.items.map((item) => [item.metadata.name, item.status]));
}

function expectBounded(name: string, status: OrchestrationRunStatus | undefined, names: RegExp) {
  expect(status?.phase, `${name}: phase`).toBe('Failed');
  expect(utf8Bytes(status!.message!), `${name}: status.message bytes`).toBeLessThanOrEqual(STATUS_MESSAGE_MAX_BYTES);
  expect(status!.message, `${name}: status.message`).toMatch(names);
  for (const type of ['Ready', 'Succeeded'] as const) {
    const c = status!.conditions?.find((x: Condition) => x.type === type);
    expect(c, `${name}: ${type}`).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(utf8Bytes(c!.message ?? '')).toBeLessThanOrEqual(STATUS_MESSAGE_MAX_BYTES);
  }
}

describe(`bad input, ${PER_CLASS} of each class, through the apiserver`, () => {
  it.each(classes)('$name: $outcome', async (bad) => {
    const items = Array.from({ length: PER_CLASS }, (_, i) => ({ name: uniqueName(`bad-${classes.indexOf(bad)}`), spec: bad.spec(i) }));
    const results = await createAll(items);
    if (bad.outcome === 'rejected') {
      for (const [i, result] of results.entries()) {
        expect(result.ok, `${items[i]!.name} was admitted`).toBe(false);
        if (!result.ok) expect(result.message).toMatch(bad.names);
      }
      return;
    }
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const names = new Set(items.map((it) => it.name));
    // Every admitted run ends Failed/InvalidSpec: none stays without status.
    const runs = await waitFor(
      async () => {
        const all = await listRuns();
        return [...names].every((n) => all.get(n)?.phase) ? all : undefined;
      },
      // Generous: a status write of a 2,000-step run costs the apiserver seconds on 2 shared cores.
      { what: `${PER_CLASS} runs of "${bad.name}" to get a phase`, timeoutMs: 60_000 + PER_CLASS * 5_000 },
    );
    for (const n of names) expectBounded(n, runs.get(n), bad.names);
    const events = await waitFor(
      async () => {
        const all = (await core.listNamespacedEvent({ namespace: h.ns })).items;
        const invalid = new Set(all.filter((e) => e.reason === 'InvalidSpec' && e.type === 'Warning').map((e) => e.involvedObject.name));
        return [...names].every((n) => invalid.has(n)) ? all : undefined;
      },
      { what: 'an InvalidSpec Warning Event on each run', timeoutMs: 60_000 },
    );
    for (const e of events.filter((x) => x.reason === 'InvalidSpec')) {
      expect(utf8Bytes(e.message ?? '')).toBeLessThanOrEqual(EVENT_MESSAGE_MAX_BYTES);
      expect(e.message).toMatch(/^invalid spec: /);
    }
  }, 180_000 + PER_CLASS * 8_000);

  it('an Orchestration with a cycle shows Ready=False/InvalidSpec with the cycle path, and its runs fail naming it', async () => {
    const cyclic = uniqueName('cyclic');
    const valid = uniqueName('valid');
    expect(await create('Orchestration', cyclic, { steps: [{ name: 'a', dependsOn: ['c'], ...sleep }, { name: 'b', dependsOn: ['a'], ...sleep }, { name: 'c', dependsOn: ['b'], ...sleep }] })).toEqual({ ok: true });
    expect(await create('Orchestration', valid, { steps: [{ name: 'a', activity: { name: 'sleep', input: { note: '{{params.branch}}' } } }] })).toEqual({ ok: true });
    const ready = (name: string) =>
      waitFor(
        async () => {
          const got = (await api.getNamespacedCustomObject({ ...GROUP, namespace: h.ns, plural: 'orchestrations', name })) as { status?: { conditions?: Condition[] } };
          return got.status?.conditions?.find((c) => c.type === 'Ready');
        },
        { what: `Orchestration ${name} Ready`, timeoutMs: 30_000 },
      );
    expect(await ready(cyclic)).toMatchObject({ status: 'False', reason: 'InvalidSpec', message: 'invalid spec: dependency cycle: a → b → c → a' });
    // A template's {{params.NAME}} comes from its runs: not a fault of the template.
    expect(await ready(valid)).toMatchObject({ status: 'True', reason: 'Valid' });
    // As a user lists them.
    const table = await kubectl(['get', 'orch', '-n', h.ns, cyclic]);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+READY\s+REASON\s+AGE$/);
    expect(table.stdout.split('\n')[1]).toMatch(new RegExp(`^${cyclic}\\s+False\\s+InvalidSpec\\s`));
    const events = await waitFor(async () => ((await h.events(cyclic)).some((e) => e.reason === 'InvalidSpec') ? true : undefined), { what: 'InvalidSpec Event on the Orchestration', timeoutMs: 10_000 });
    expect(events).toBe(true);

    const run = uniqueName('of-cyclic');
    expect(await create('OrchestrationRun', run, { orchestrationRef: { name: cyclic } })).toEqual({ ok: true });
    const failed = await h.phaseOf(run, 'Failed', 30_000);
    expect(failed.message).toBe('invalid spec: dependency cycle: a → b → c → a');
  });
});
