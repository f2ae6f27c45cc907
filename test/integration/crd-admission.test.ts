// The CRDs on a real kube-apiserver: kubectl applies them, valid runs are accepted, and each kind of invalid
// run is rejected at apply time with a message that names the offending field.
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubectl, uniqueName } from '../support/sandbox.js';
import { waitFor } from '../../sandbox/wait.js';

const NS = 'default';

function run(spec: Record<string, unknown>, name = uniqueName('run')) {
  return { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', metadata: { name, namespace: NS }, spec };
}

const sleep = (seconds: number) => ({ activity: { name: 'sleep', input: { seconds } } });

async function apply(object: unknown) {
  return kubectl(['apply', '-f', '-'], stringify(object));
}

beforeAll(async () => {
  // Server-side, as the README says: other test files may have applied them first, also server-side.
  const applied = await kubectl(['apply', '--server-side', '-f', 'deploy/crds/']);
  expect(applied.stderr).toBe('');
  expect(applied.stdout).toMatch(/orchestrationruns\.orchestration\.proompteng\.ai serverside-applied/);
  expect(applied.stdout).toMatch(/orchestrations\.orchestration\.proompteng\.ai serverside-applied/);
  await waitFor(
    async () => {
      const got = await kubectl(['wait', '--for=condition=Established', '--timeout=10s', 'crd/orchestrationruns.orchestration.proompteng.ai', 'crd/orchestrations.orchestration.proompteng.ai']);
      return got.code === 0 ? true : undefined;
    },
    { what: 'CRDs Established', timeoutMs: 30_000 },
  );
});

describe('OrchestrationRun admission', () => {
  it('accepts a valid run and serves it under its short name with the printer columns', async () => {
    const valid = run({
      parameters: { branch: 'main' },
      steps: [
        { name: 'fetch', ...sleep(1) },
        { name: 'build', dependsOn: ['fetch'], job: { image: 'busybox', command: ['sh', '-c', 'echo ok'] } },
      ],
    });
    const applied = await apply(valid);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain(`orchestrationrun.orchestration.proompteng.ai/${valid.metadata.name} created`);
    const table = await kubectl(['get', 'orchrun', valid.metadata.name]);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+PHASE\s+STEPS\s+QUEUED\s+AGE$/);
  });

  it.each([
    ['a wrong type', { parallelism: 'many', steps: [{ name: 'a', ...sleep(1) }] }, /spec\.parallelism.*must be of type integer/],
    ['a bad step name', { steps: [{ name: 'Build_1', ...sleep(1) }] }, /spec\.steps\[0\]\.name.*should match/],
    // The list is atomic (one managedFields entry, not one per step); a CEL rule keeps names unique and its
    // failure names the repeated one.
    ['duplicate step names', { steps: [{ name: 'a', ...sleep(1) }, { name: 'a', ...sleep(2) }] }, /spec: Invalid value.*key a already exists evaluating rule: step names must be unique/],
    [
      'a dependsOn naming no step',
      { steps: [{ name: 'a', ...sleep(1) }, { name: 'b', dependsOn: ['nope'], ...sleep(1) }] },
      /spec\.steps: Invalid value.*every dependsOn entry must name a step of this list/,
    ],
    [
      'both activity and job',
      { steps: [{ name: 'a', ...sleep(1), job: { image: 'busybox' } }] },
      /spec\.steps\[0\]: Invalid value.*exactly one of activity or job \(or approval\) must be set/,
    ],
    ['neither activity nor job', { steps: [{ name: 'a' }] }, /spec\.steps\[0\]: Invalid value.*exactly one of activity or job/],
    [
      'both orchestrationRef and steps',
      { orchestrationRef: { name: 'build' }, steps: [{ name: 'a', ...sleep(1) }] },
      /spec: Invalid value.*exactly one of orchestrationRef or steps must be set/,
    ],
    ['neither orchestrationRef nor steps', { parameters: { a: 'b' } }, /exactly one of orchestrationRef or steps must be set/],
    ['a bad parameter name', { orchestrationRef: { name: 'x' }, parameters: { 'not-ok': 'v' } }, /spec\.parameters.*parameter names must match/],
  ])('rejects %s, naming the field', async (_case, spec, message) => {
    const rejected = await apply(run(spec));
    expect(rejected.code).not.toBe(0);
    expect(rejected.stderr).toMatch(message);
  });

  it('keeps the spec immutable except cancel and the ttl fields', async () => {
    const created = run({ steps: [{ name: 'a', ...sleep(1) }] });
    expect((await apply(created)).code).toBe(0);
    const name = `orchrun/${created.metadata.name}`;

    const changeSteps = await kubectl(['patch', name, '--type=merge', '-p', JSON.stringify({ spec: { steps: [{ name: 'b', ...sleep(1) }] } })]);
    expect(changeSteps.code).not.toBe(0);
    expect(changeSteps.stderr).toMatch(/spec\.steps.*spec\.steps is immutable after creation/);

    const addParallelism = await kubectl(['patch', name, '--type=merge', '-p', '{"spec":{"parallelism":2}}']);
    expect(addParallelism.code).not.toBe(0);
    expect(addParallelism.stderr).toMatch(/spec\.parallelism is immutable/);

    const addFinally = await kubectl(['patch', name, '--type=merge', '-p', JSON.stringify({ spec: { finally: [{ name: 'f', ...sleep(1) }] } })]);
    expect(addFinally.stderr).toMatch(/spec\.finally is immutable/);
    const addDeadline = await kubectl(['patch', name, '--type=merge', '-p', '{"spec":{"activeDeadlineSeconds":60}}']);
    expect(addDeadline.stderr).toMatch(/spec\.activeDeadlineSeconds is immutable/);
    const addResume = await kubectl(['patch', name, '--type=merge', '-p', '{"spec":{"resumeFrom":{"name":"x"}}}']);
    expect(addResume.stderr).toMatch(/spec\.resumeFrom is immutable/);
    // suspend and approvals are controls: they change while the run runs.
    const controls = await kubectl(['patch', name, '--type=merge', '-p', '{"spec":{"suspend":true,"approvals":{"go-live":"Approved"}}}']);
    expect(controls.stderr).toBe('');
    const badDecision = await kubectl(['patch', name, '--type=merge', '-p', '{"spec":{"approvals":{"go-live":"Maybe"}}}']);
    expect(badDecision.stderr).toMatch(/spec\.approvals\.go-live: Unsupported value: "Maybe": supported values: "Approved", "Rejected"/);

    const cancel = await kubectl(['patch', name, '--type=merge', '-p', '{"spec":{"cancel":true,"ttlSecondsAfterFinished":60}}']);
    expect(cancel.stderr).toBe('');
    expect(cancel.code).toBe(0);
    const got = await kubectl(['get', name, '-o', 'jsonpath={.spec.cancel} {.spec.ttlSecondsAfterFinished}']);
    expect(got.stdout).toBe('true 60');
  });

  it('accepts a 5,000-step run within the apiserver CEL cost budget', async () => {
    const steps = Array.from({ length: 5000 }, (_, i) => ({
      name: `s${i}`,
      ...(i > 0 ? { dependsOn: [`s${i - 1}`] } : {}),
      ...sleep(0),
    }));
    const big = run({ steps });
    const applied = await kubectl(['create', '-f', '-'], JSON.stringify(big));
    expect(applied.stderr).toBe('');
    const count = await kubectl(['get', `orchrun/${big.metadata.name}`, '-o', 'jsonpath={.spec.steps[4999].dependsOn[0]}']);
    expect(count.stdout).toBe('s4998');
  });

  it('takes a 5,000-step run by kubectl apply --server-side, as the README says, where client-side apply hits the annotation limit', async () => {
    const steps = Array.from({ length: 5000 }, (_, i) => ({ name: `step-${i}`, ...(i > 0 ? { dependsOn: [`step-${i - 1}`] } : {}), ...sleep(0) }));
    const big = run({ steps });
    expect(JSON.stringify(big).length).toBeGreaterThan(256 * 1024);
    const clientSide = await kubectl(['apply', '-f', '-'], JSON.stringify(big));
    expect(clientSide.code).not.toBe(0);
    expect(clientSide.stderr).toMatch(/metadata\.annotations: Too long: may not be (longer|more) than 262144/);
    const serverSide = await kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(big));
    expect(serverSide.stderr).toBe('');
    expect(serverSide.stdout).toMatch(/serverside-applied/);
    const last = await kubectl(['get', `orchrun/${big.metadata.name}`, '-o', 'jsonpath={.spec.steps[4999].name}']);
    expect(last.stdout).toBe('step-4999');
  });
});

describe('Orchestration admission', () => {
  it('takes a run that gives only resumeFrom, and refuses rerun without it', async () => {
    expect((await apply(run({ resumeFrom: { name: 'earlier' }, rerun: ['a'] }))).stderr).toBe('');
    const rerunAlone = await apply(run({ steps: [{ name: 'a', ...sleep(0) }], rerun: ['a'] }));
    expect(rerunAlone.stderr).toMatch(/spec\.rerun: Invalid value.*rerun needs resumeFrom/);
    const both = await apply(run({ resumeFrom: { name: 'earlier' }, orchestrationRef: { name: 'o' }, steps: [{ name: 'a', ...sleep(0) }] }));
    expect(both.stderr).toMatch(/with resumeFrom, at most one/);
  });

  it('rejects finally steps with a repeated name or a dependsOn outside their list, and a deadline under 1 s', async () => {
    const dup = await apply(run({ steps: [{ name: 'a', ...sleep(0) }], finally: [{ name: 'f', ...sleep(0) }, { name: 'f', ...sleep(0) }] }));
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/key f already exists/);
    const outside = await apply(run({ steps: [{ name: 'a', ...sleep(0) }], finally: [{ name: 'f', dependsOn: ['a'], ...sleep(0) }] }));
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toMatch(/spec\.finally: Invalid value.*every dependsOn entry must name a step of this list/);
    const zero = await apply(run({ steps: [{ name: 'a', ...sleep(0) }], activeDeadlineSeconds: 0 }));
    expect(zero.stderr).toMatch(/spec\.activeDeadlineSeconds: Invalid value: 0/);
    const ok = await apply(run({ steps: [{ name: 'a', ...sleep(0) }], activeDeadlineSeconds: 60, finally: [{ name: 'f', ...sleep(0) }, { name: 'g', dependsOn: ['f'], ...sleep(0) }] }));
    expect(ok.stderr).toBe('');
  });

  it('accepts a template and rejects one whose dependsOn names no step', async () => {
    const template = (steps: unknown[]) => ({
      apiVersion: 'orchestration.proompteng.ai/v1alpha1',
      kind: 'Orchestration',
      metadata: { name: uniqueName('orch'), namespace: NS },
      spec: { steps },
    });
    const ok = await apply(template([{ name: 'a', ...sleep(1) }, { name: 'b', dependsOn: ['a'], ...sleep(1) }]));
    expect(ok.stderr).toBe('');
    const bad = await apply(template([{ name: 'a', dependsOn: ['c'], ...sleep(1) }]));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/spec\.steps: Invalid value.*every dependsOn entry must name a step of this list/);
    const listed = await kubectl(['get', 'orch', '-n', NS]);
    expect(listed.code).toBe(0);
  });
});

describe('examples/', () => {
  it('are all accepted by the apiserver', async () => {
    const dryRun = await kubectl(['apply', '--dry-run=server', '-n', NS, '-f', 'examples/']);
    expect(dryRun.stderr).toBe('');
    expect(dryRun.stdout).toMatch(/orchestrationrun\.orchestration\.proompteng\.ai\/diamond created \(server dry run\)/);
  });
});
