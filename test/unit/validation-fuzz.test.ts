// Whatever the CRD admits, the bridge either starts the run or ends it Failed/InvalidSpec naming the problem,
// within the apiserver's limits. fast-check feeds random and malformed runs through the bridge's own path:
// the schema parse (parseRun), then decideUnparsedRun or decide() with the core DAG validation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_MESSAGE_MAX_BYTES, parseRun, RUNTIME_CLEANUP_FINALIZER, STATUS_MESSAGE_MAX_BYTES, utf8Bytes } from '../../core/index.js';
import { decideUnparsedRun } from '../../bridge/decide-invalid.js';
import { decide } from '../../bridge/decide.js';

const NOW = '2026-11-23T12:00:00.000Z';
/** FUZZ_RUNS scales every property: 11 × FUZZ_RUNS / 10 specs in all (11,000 by default). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

type Verdict = { started: true } | { started: false; phase?: string; message: string; conditions: { reason?: string; message?: string }[]; event: string };

/** The bridge's reconcile of a new run, without I/O: what it would write. */
function bridgeVerdict(spec: unknown): Verdict {
  const raw = {
    apiVersion: 'orchestration.proompteng.ai/v1alpha1',
    kind: 'OrchestrationRun',
    metadata: { name: 'r', namespace: 'ns', uid: 'u', generation: 1, finalizers: [RUNTIME_CLEANUP_FINALIZER] },
    spec,
  };
  const parsed = parseRun(raw);
  const actions = parsed.ok
    ? decide({ run: parsed.value, orchestration: undefined, workflow: { found: false }, workflowId: 'w', settings: { temporalNamespace: 'default', taskQueue: 'tq', uiBaseUrl: '' }, now: NOW }).actions
    : decideUnparsedRun({ generation: 1, deleting: false, holdsFinalizer: true }, parsed.problems, NOW);
  if (actions.some((a) => a.type === 'startWorkflow')) return { started: true };
  const patch = actions.find((a) => a.type === 'patchStatus');
  const event = actions.find((a) => a.type === 'event');
  if (!patch || patch.type !== 'patchStatus' || !event || event.type !== 'event') throw new Error(`neither started nor marked: ${JSON.stringify(actions.map((a) => a.type))}`);
  return { started: false, phase: patch.status.phase ?? undefined, message: patch.status.message ?? '', conditions: patch.status.conditions ?? [], event: event.message };
}

function expectInvalid(verdict: Verdict, names: string | RegExp): void {
  expect(verdict.started, 'an invalid run must not start').toBe(false);
  if (verdict.started) return;
  expect(verdict.phase).toBe('Failed');
  expect(verdict.message.startsWith('invalid spec: ')).toBe(true);
  expect(utf8Bytes(verdict.message)).toBeLessThanOrEqual(STATUS_MESSAGE_MAX_BYTES);
  expect(utf8Bytes(verdict.event)).toBeLessThanOrEqual(EVENT_MESSAGE_MAX_BYTES);
  expect(verdict.conditions.map((c) => c.reason)).toEqual(['InvalidSpec', 'InvalidSpec']);
  for (const c of verdict.conditions) expect(utf8Bytes(c.message ?? '')).toBeLessThanOrEqual(STATUS_MESSAGE_MAX_BYTES);
  if (typeof names === 'string') expect(verdict.message).toContain(names);
  else expect(verdict.message).toMatch(names);
}

// A valid run: steps s0..sN-1, each depending on some earlier ones, activity or Job, parameters used.
const validRun = fc
  .record({
    count: fc.integer({ min: 1, max: 25 }),
    deps: fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 25, maxLength: 25 }),
    jobs: fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
    params: fc.dictionary(fc.constantFrom('branch', 'repo', 'tag', '_x1'), fc.string({ maxLength: 20 })),
    sequential: fc.boolean(),
  })
  .map(({ count, deps, jobs, params, sequential }): { parameters: Record<string, string>; steps: Record<string, unknown>[] } => {
    const names = Array.from({ length: count }, (_, i) => `s${i}`);
    const used = Object.keys(params)[0];
    const steps = names.map((name, i) => {
      const dependsOn = sequential || i === 0 ? undefined : [...new Set(deps[i]!.map((d) => names[d % i]!))];
      const text = `run ${used ? `{{params.${used}}}` : 'plain'}${dependsOn?.[0] ? ` after {{steps.${dependsOn[0]}.output}}` : ''}`;
      return {
        name,
        ...(dependsOn ? { dependsOn } : {}),
        ...(jobs[i]
          ? { job: { image: 'busybox', command: ['sh', '-c', text], resources: { requests: { cpu: '500m', memory: '64Mi' }, limits: { cpu: 1 } } } }
          : { activity: { name: 'sleep', input: { seconds: 1, note: text } } }),
      };
    });
    return { parameters: params, steps };
  });

/** A step without the given fields. */
const without = (step: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(step).filter(([k]) => !keys.includes(k)));
const at = (spec: { steps: unknown[] }) => fc.nat({ max: spec.steps.length - 1 });

/** Each class: a valid run with one fault, and what the message must name. */
const classes: [string, fc.Arbitrary<{ spec: unknown; names: string | RegExp }>][] = [
  [
    'oversize or malformed quantity',
    validRun.chain((spec) =>
      fc.tuple(at(spec), fc.oneof(fc.string({ minLength: 65, maxLength: 200 }).map((s) => `1${s}`), fc.constantFrom('abc', '1.5.5', 'Gi', '--1', '1 Gi'))).map(([i, cpu]) => {
        spec.steps[i] = { name: spec.steps[i]!.name, ...(spec.steps[i]!.dependsOn ? { dependsOn: spec.steps[i]!.dependsOn } : {}), job: { image: 'busybox', resources: { requests: { cpu } } } };
        return { spec, names: `spec.steps[${i}].job.resources.requests.cpu` };
      }),
    ),
  ],
  [
    'missing parameter',
    validRun.chain((spec) =>
      at(spec).map((i) => {
        spec.steps[i] = { ...without(spec.steps[i]!, 'job'), activity: { name: 'sleep', input: { text: '{{params.missingParam}}' } } };
        return { spec, names: '{{params.missingParam}}' };
      }),
    ),
  ],
  [
    'unknown dependsOn',
    validRun.chain((spec) =>
      at(spec).map((i) => {
        spec.steps[i] = { ...spec.steps[i], dependsOn: ['no-such-step'] };
        return { spec, names: '"no-such-step", which is not a step of this run' };
      }),
    ),
  ],
  [
    'cycle',
    validRun.filter((s) => s.steps.length >= 2).chain((spec) =>
      fc.tuple(at(spec), at(spec)).map(([a, b]) => {
        const [lo, hi] = a < b ? [a, b] : [b, Math.max(a, b === a ? a + 1 : a)];
        const top = Math.min(hi, spec.steps.length - 1);
        const first = Math.min(lo, top - 1);
        // top waits for first (any path), then first waits for top: a cycle through both.
        spec.steps[top] = { ...spec.steps[top], dependsOn: [`s${first}`] };
        spec.steps[first] = { ...spec.steps[first], dependsOn: [`s${top}`] };
        for (const step of spec.steps) step.dependsOn ??= [];
        return { spec, names: /dependency cycle: (s\d+ → )+s\d+/ };
      }),
    ),
  ],
  [
    'bad types and names',
    validRun.chain((spec) =>
      fc.tuple(at(spec), fc.constantFrom<[string, unknown]>(['name', 'Not_A_Label'], ['name', 'x'.repeat(64)], ['timeoutSeconds', 'ten'], ['timeoutSeconds', 0], ['continueOnFailure', 'yes'], ['retry', { maxAttempts: 1000 }], ['dependsOn', 's0'])).map(([i, [field, value]]) => {
        spec.steps[i] = { ...spec.steps[i], [field]: value };
        return { spec, names: `spec.steps[${i}].${field}` };
      }),
    ),
  ],
  [
    'both or neither of activity and job',
    validRun.chain((spec) =>
      fc.tuple(at(spec), fc.boolean()).map(([i, both]) => {
        const rest = without(spec.steps[i]!, 'activity', 'job');
        spec.steps[i] = both ? { ...rest, activity: { name: 'sleep' }, job: { image: 'busybox' } } : rest;
        return { spec, names: `spec.steps[${i}]: exactly one of activity or job (or approval, orchestration) must be set` };
      }),
    ),
  ],
  [
    'duplicate step name',
    validRun.filter((s) => s.steps.length >= 2).chain((spec) =>
      at(spec).filter((i) => i > 0).map((i) => {
        spec.steps[i] = { ...spec.steps[i], name: 's0' };
        return { spec, names: 'duplicate step name "s0"' };
      }),
    ),
  ],
  [
    'invalid template reference or reserved activity',
    validRun.chain((spec) =>
      fc.tuple(at(spec), fc.boolean()).map(([i, reserved]) => {
        const rest = without(spec.steps[i]!, 'job');
        spec.steps[i] = { ...rest, activity: reserved ? { name: 'writeRunStatus' } : { name: 'sleep', input: { t: '{{param.branch}}' } } };
        return { spec, names: reserved ? 'internal to the worker' : 'invalid reference {{param.branch}}' };
      }),
    ),
  ],
];

describe('the validation path of the bridge, fuzzed', () => {
  it('starts every valid run', () => {
    fc.assert(fc.property(validRun, (spec) => {
        expect(bridgeVerdict(spec)).toEqual({ started: true });
      }), { numRuns: Math.ceil(RUNS / 10) });
  });

  it.each(classes)('%s: Failed/InvalidSpec naming the problem, bounded', (_name, arbitrary) => {
    fc.assert(fc.property(arbitrary, ({ spec, names }) => {
        expectInvalid(bridgeVerdict(spec), names);
      }), { numRuns: Math.ceil(RUNS / 10) });
  });

  it('anything at all as a spec: no crash; started only if the schema and the DAG rules accept it', () => {
    const anything = fc.oneof(
      fc.anything(),
      fc.record({ steps: fc.array(fc.anything(), { maxLength: 5 }) }, { requiredKeys: [] }),
      fc.record({ steps: fc.array(fc.record({ name: fc.string(), dependsOn: fc.array(fc.string()), activity: fc.anything(), job: fc.anything() }, { requiredKeys: [] }), { maxLength: 5 }), parameters: fc.anything() }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(anything, (spec) => {
        const verdict = bridgeVerdict(spec);
        // Names where: a field path or a step.
        if (!verdict.started) expectInvalid(verdict, /spec|step|dependency|parameter|\(root\)/);
      }),
      { numRuns: 2 * Math.ceil(RUNS / 10) },
    );
  });
});
