/** `http` ({url, method, headers, body, expectStatus}): one request; its response body is the step output. */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { StepInvocation } from '../../core/index.js';
import { parseInput } from '../input.js';

const HttpInput = z.object({
  url: z.url(),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  expectStatus: z.int().min(100).max(599).optional(),
}).refine((r) => r.body === undefined || (r.method !== 'GET' && r.method !== 'HEAD'), { message: 'a GET or HEAD request has no body', path: ['body'] });

/**
 * A step runs at least once: a request a crashed worker sent may be sent again. The same attempt always
 * carries the same Idempotency-Key, so a server that honours it does the work once.
 */
function invocationHeaders(invocation: StepInvocation | undefined): Record<string, string> {
  if (!invocation) return {};
  return {
    'Idempotency-Key': `${invocation.runUid}/${invocation.step}/${invocation.attempt}`,
    'X-Orchestration-Run': `${invocation.namespace}/${invocation.run}`,
    'X-Orchestration-Step': invocation.step,
    'X-Orchestration-Attempt': String(invocation.attempt),
  };
}

/** The step's own headers win, whatever their case. */
function withDefaults(own: Record<string, string>, defaults: Record<string, string>): Record<string, string> {
  const taken = new Set(Object.keys(own).map((k) => k.toLowerCase()));
  return { ...Object.fromEntries(Object.entries(defaults).filter(([k]) => !taken.has(k.toLowerCase()))), ...own };
}

export async function http(input: unknown, invocation?: StepInvocation): Promise<string> {
  const req = parseInput('http', HttpInput, input);
  const res = await fetch(req.url, {
    method: req.method,
    headers: withDefaults(req.headers, invocationHeaders(invocation)),
    body: req.body,
    signal: Context.current().cancellationSignal,
  });
  const text = await res.text();
  const ok = req.expectStatus !== undefined ? res.status === req.expectStatus : res.ok;
  if (!ok) {
    const expected = req.expectStatus !== undefined ? `expected ${req.expectStatus}` : 'expected 2xx';
    const message = `${req.method} ${req.url} answered ${res.status} (${expected}): ${text.slice(0, 512)}`;
    // A 5xx may pass on retry; anything else will not.
    throw res.status >= 500 ? ApplicationFailure.retryable(message, 'HttpStatus') : ApplicationFailure.nonRetryable(message, 'HttpStatus');
  }
  return text;
}
