/**
 * `http` ({url, method, headers, body, expectStatus}): one request; its response body is the step output.
 * Every connection it opens is fenced (http-destinations.ts): the name is resolved once, each address is
 * judged, and the socket connects only to the addresses judged, so DNS rebinding between the check and the
 * connect cannot slip past; redirects are followed here, each hop through the same fence.
 */
import { lookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Agent, buildConnector, fetch, type Response } from 'undici';
import { z } from 'zod';
import type { StepInvocation } from '../../core/index.js';
import { parseInput } from '../input.js';
import type { WorkerMetrics } from '../metrics.js';
import type { StepActivity } from '../step-wrapper.js';
import { judge, refusalMessage, type Destination, type FencePolicy } from './http-destinations.js';

/** A refused destination fails the step at once: no retry can change the verdict. */
export const HTTP_DESTINATION_REFUSED = 'HttpDestinationRefused';
/** Redirects followed before the step fails. */
export const MAX_REDIRECTS = 5;

const HttpInput = z.object({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    // Credentials in a URL would be echoed in messages, the status and Temporal's history: headers only.
    // zod runs this even after the URL check failed: a string that is no URL is that check's to report.
    .refine((u) => { const parsed = URL.parse(u); return parsed === null || (parsed.username === '' && parsed.password === ''); }, 'must not carry credentials (user:password@); send them in headers'),
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

class DestinationRefused extends Error {
  constructor(
    message: string,
    readonly kind: string,
  ) {
    super(message);
  }
}

function lookupAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => lookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
}

/** A `lookup` for net/tls.connect that answers with addresses already judged, never asking DNS again. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const wanted = addresses.filter((a) => !options.family || options.family === a.family || options.family === `IPv${a.family}`);
    if (options.all) callback(null, wanted);
    else if (wanted[0]) callback(null, wanted[0].address, wanted[0].family);
    else callback(Object.assign(new Error(`${hostname} has no IPv${String(options.family)} address`), { code: 'ENOTFOUND' }), []);
  };
}

/** The fence around connections: judges every address a host resolves to, then connects to those only. */
function fencedAgent(policy: FencePolicy): Agent {
  const endpointHosts = [...new Set(policy.controlPlane.map((e) => e.host).filter((h) => isIP(h) === 0))];
  async function endpointAddresses(): Promise<Map<string, string[]>> {
    const resolved = await Promise.all(endpointHosts.map(async (h) => [h, (await lookupAll(h).catch(() => [])).map((a) => a.address)] as const));
    return new Map(resolved);
  }
  async function judged(hostname: string, port: number): Promise<LookupAddress[]> {
    const host = hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) !== 0 ? [{ address: host, family: isIP(host) }] : await lookupAll(host);
    const known = await endpointAddresses();
    for (const { address } of addresses) {
      const destination: Destination = { host, address, port };
      const verdict = judge(destination, policy, known);
      if (!verdict.allowed) throw new DestinationRefused(refusalMessage(destination, verdict), verdict.kind);
    }
    return addresses;
  }
  return new Agent({
    connect: (options, callback) => {
      const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
      judged(options.hostname, port).then(
        (addresses) => buildConnector({ lookup: pinnedLookup(addresses) })(options, callback),
        (err: Error) => callback(err, null),
      );
    },
  });
}

/** An error and its causes, outermost first, at most 5 deep. */
function causesOf(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = err; chain.length < 5 && e !== undefined; e = e instanceof Error ? e.cause : undefined) chain.push(e);
  return chain;
}

/** The refusal somewhere in a fetch failure's causes, if that is why it failed. */
function refusalIn(err: unknown): DestinationRefused | undefined {
  return causesOf(err).find((e): e is DestinationRefused => e instanceof DestinationRefused);
}

/** The most of a response body a step reads: it is the step's output, held by the worker and Temporal. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** The body as text, failing the step without retry once it passes MAX_RESPONSE_BYTES (nothing more is read). */
async function boundedText(res: Response, what: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  const tooLarge = () => ApplicationFailure.nonRetryable(`${what}: the response is larger than ${MAX_RESPONSE_BYTES} bytes, the most an http step reads`, 'HttpResponseTooLarge');
  if (declared > MAX_RESPONSE_BYTES) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop cancels the stream (the async iterator's return()).
    if (size > MAX_RESPONSE_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** An error and its causes, innermost last: "fetch failed: connect ECONNREFUSED 10.0.0.1:80". */
function causeChain(err: unknown): string {
  const messages = causesOf(err).map((e) => (e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e)));
  return [...new Set(messages.filter(Boolean))].join(': ');
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that carry the caller's credentials; not sent on to another origin. */
const CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** Headers that describe the body; dropped with it. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']);

/** The http step, its connections fenced by the policy; refusals counted in `metrics`. */
export function createHttpStep(policy: FencePolicy, metrics?: WorkerMetrics): StepActivity {
  const dispatcher = fencedAgent(policy);
  return async function http(input: unknown, invocation?: StepInvocation): Promise<string> {
    const req = parseInput('http', HttpInput, input);
    let url = new URL(req.url);
    let method: string = req.method;
    let body = req.body;
    let headers = withDefaults(req.headers, invocationHeaders(invocation));
    for (let hop = 0; ; hop++) {
      const res = await fetch(url, { method, headers, body, redirect: 'manual', dispatcher, signal: Context.current().cancellationSignal }).catch((err: unknown) => {
        const refused = refusalIn(err);
        if (refused) {
          metrics?.httpRefused.inc({ namespace: invocation?.namespace ?? '', rule: refused.kind });
          throw ApplicationFailure.nonRetryable(refused.message, HTTP_DESTINATION_REFUSED);
        }
        if (Context.current().cancellationSignal.aborted) throw err;
        // fetch's own message is "fetch failed"; the reason (refused connection, bad port, DNS) is in its causes.
        throw ApplicationFailure.retryable(`${method} ${url.href}: ${causeChain(err)}`, 'HttpRequestFailed');
      });
      const location = res.headers.get('location');
      if (REDIRECTS.has(res.status) && location !== null && req.expectStatus !== res.status) {
        await res.body?.cancel();
        if (hop >= MAX_REDIRECTS) throw ApplicationFailure.nonRetryable(`${req.method} ${req.url}: more than ${MAX_REDIRECTS} redirects`, 'HttpTooManyRedirects');
        const next = new URL(location, url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          metrics?.httpRefused.inc({ namespace: invocation?.namespace ?? '', rule: 'scheme' });
          throw ApplicationFailure.nonRetryable(`http step refused: ${url.href} redirects to ${next.protocol} URL, not http or https`, HTTP_DESTINATION_REFUSED);
        }
        if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !CREDENTIALS.has(k.toLowerCase())));
        // As fetch does: a 303, or a 301/302 after a POST, becomes a GET without a body.
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
          headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !BODY_HEADERS.has(k.toLowerCase())));
        }
        url = next;
        continue;
      }
      const text = await boundedText(res, `${req.method} ${req.url}`);
      const ok = req.expectStatus !== undefined ? res.status === req.expectStatus : res.ok;
      if (!ok) {
        const expected = req.expectStatus !== undefined ? `expected ${req.expectStatus}` : 'expected 2xx';
        const message = `${req.method} ${req.url} answered ${res.status} (${expected}): ${text.slice(0, 512)}`;
        // A 5xx may pass on retry; anything else will not.
        throw res.status >= 500 ? ApplicationFailure.retryable(message, 'HttpStatus') : ApplicationFailure.nonRetryable(message, 'HttpStatus');
      }
      return text;
    }
  };
}
