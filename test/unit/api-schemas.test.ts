// The zod schemas are what the bridge uses to read CRs: they accept the contract and name what is wrong.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { describeIssues, OrchestrationRunSpecSchema, OrchestrationSpecSchema, StepSchema } from '../../core/index.js';

const sleep = { activity: { name: 'sleep', input: { seconds: 1 } } };

function issues(result: { success: boolean; error?: z.ZodError }) {
  return result.error ? describeIssues(result.error) : [];
}

describe('StepSchema', () => {
  it('accepts an activity step and a job step', () => {
    expect(StepSchema.safeParse({ name: 'a', ...sleep }).success).toBe(true);
    expect(StepSchema.safeParse({ name: 'b', job: { image: 'busybox', env: [{ name: 'X', value: '1' }], resources: { limits: { cpu: 1, memory: '1Gi' } } } }).success).toBe(true);
  });

  it.each([
    [{ name: 'a' }, /exactly one of activity or job/],
    [{ name: 'a', ...sleep, job: { image: 'busybox' } }, /exactly one of activity or job/],
    [{ name: 'Bad_Name', ...sleep }, /^name: must be a DNS-1123 label/],
    [{ name: 'a', timeoutSeconds: 0, ...sleep }, /^timeoutSeconds:/],
    [{ name: 'a', retry: { maxAttempts: 0 }, ...sleep }, /^retry\.maxAttempts:/],
  ])('rejects %j', (step, message) => {
    expect(issues(StepSchema.safeParse(step)).join('\n')).toMatch(message);
  });
});

describe('OrchestrationRunSpecSchema', () => {
  it('accepts exactly one of orchestrationRef and steps', () => {
    expect(OrchestrationRunSpecSchema.safeParse({ orchestrationRef: { name: 'build' }, parameters: { branch: 'main' } }).success).toBe(true);
    expect(OrchestrationRunSpecSchema.safeParse({ steps: [{ name: 'a', ...sleep }], cancel: true }).success).toBe(true);
    expect(issues(OrchestrationRunSpecSchema.safeParse({ orchestrationRef: { name: 'b' }, steps: [{ name: 'a', ...sleep }] }))).toEqual([
      '(root): exactly one of orchestrationRef or steps must be set (with resumeFrom, at most one)',
    ]);
    expect(issues(OrchestrationRunSpecSchema.safeParse({}))).toEqual(['(root): exactly one of orchestrationRef or steps must be set (with resumeFrom, at most one)']);
  });

  it('names a bad parameter and a bad policy value', () => {
    expect(issues(OrchestrationRunSpecSchema.safeParse({ orchestrationRef: { name: 'b' }, parameters: { 'a-b': 'x' } })).join()).toMatch(
      /^parameters\.a-b: invalid key: parameter names must match/,
    );
    expect(
      issues(OrchestrationRunSpecSchema.safeParse({ orchestrationRef: { name: 'b' }, cancellationPolicy: { onRetrigger: 'Maybe' } })).join(),
    ).toMatch(/^cancellationPolicy\.onRetrigger:/);
  });
});

describe('OrchestrationSpecSchema', () => {
  it('requires 1..5000 steps', () => {
    expect(OrchestrationSpecSchema.safeParse({ steps: [] }).success).toBe(false);
    const steps = Array.from({ length: 5001 }, (_, i) => ({ name: `s${i}`, ...sleep }));
    expect(issues(OrchestrationSpecSchema.safeParse({ steps })).join()).toMatch(/^steps: Too big/);
  });
});
