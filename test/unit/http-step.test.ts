// The http step's fence on real sockets (local servers, no sandbox needed): a name is judged on the addresses
// it resolves to, redirects are followed hop by hop through the fence and bounded, and credentials do not
// follow a redirect to another origin.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepInvocation } from '../../core/index.js';
import { parseDestinationRule, type FencePolicy } from '../../activities/builtins/http-destinations.js';
import { createHttpStep, HTTP_DESTINATION_REFUSED, MAX_REDIRECTS, MAX_RESPONSE_BYTES } from '../../activities/builtins/http.js';
import { createWorkerMetrics, type WorkerMetrics } from '../../activities/metrics.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local server that records what it received and answers by path: /to?url=… redirects, /loop redirects to itself. */
function recordingServer(seen: Seen[]): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/to') res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('url')! }).end();
      else if (url.pathname === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else if (url.pathname === '/big') {
        // Chunked, no content-length: the step must stop reading by itself.
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 'x');
        for (let i = 0; i < 20; i++) res.write(chunk);
        res.end();
      }
      else res.writeHead(200).end(`${req.method} ${req.url}`);
    });
  });
}

const servers: Server[] = [];
async function start(seen: Seen[]): Promise<number> {
  const server = recordingServer(seen);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const seenA: Seen[] = [];
const seenB: Seen[] = [];
const seenDenied: Seen[] = [];
let a: number;
let b: number;
let denied: number;
beforeAll(async () => {
  [a, b, denied] = [await start(seenA), await start(seenB), await start(seenDenied)];
});
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** The failures are the point; the SDK need not log them as warnings. */
const quiet = new DefaultLogger('ERROR');

const policy = (...allowed: string[]): FencePolicy => ({ allowed: allowed.map(parseDestinationRule), denied: [], unlisted: 'allow', controlPlane: [] });

async function call(p: FencePolicy, input: Record<string, unknown>, metrics?: WorkerMetrics, invocation?: StepInvocation): Promise<string | ApplicationFailure> {
  return new MockActivityEnvironment({}, { logger: quiet }).run(createHttpStep(p, metrics), input, invocation).then(
    (out) => out as string,
    (err: unknown) => {
      expect(err).toBeInstanceOf(ApplicationFailure);
      return err as ApplicationFailure;
    },
  );
}

describe('http step: names and addresses', () => {
  it('judges a name by the addresses it resolves to: localhost is loopback', async () => {
    const failure = (await call(policy(), { url: `http://localhost:${a}/x` })) as ApplicationFailure;
    expect(failure).toMatchObject({ type: HTTP_DESTINATION_REFUSED, nonRetryable: true });
    expect(failure.message).toMatch(new RegExp(`^http step refused: (127\\.0\\.0\\.1|\\[::1\\]):${a} \\(localhost\\) is denied by rule loopback (127\\.0\\.0\\.0/8|::1/128); allow it with HTTP_STEP_ALLOWED_DESTINATIONS \\(by address: `));
    expect(seenA.filter((s) => s.url === '/x')).toEqual([]);
  });

  it('connects to a name once every address it resolves to is allowed, on its port; a name alone does not open loopback', async () => {
    expect(await call(policy(`127.0.0.1:${a}`, `[::1]:${a}`), { url: `http://localhost:${a}/named` })).toBe('GET /named');
    expect(await call(policy(`127.0.0.1:${a}`, `[::1]:${a}`), { url: `http://localhost:${b}/named` })).toMatchObject({ type: HTTP_DESTINATION_REFUSED });
    expect(await call(policy(`localhost:${a}`), { url: `http://localhost:${a}/named` })).toMatchObject({ type: HTTP_DESTINATION_REFUSED });
  });

  it('refuses an IP literal before connecting, and counts the refusal by namespace and rule', async () => {
    const metrics = createWorkerMetrics();
    const invocation: StepInvocation = { runUid: 'u', namespace: 'tenant-a', run: 'r', step: 's', attempt: 1 };
    const failure = (await call(policy(), { url: `http://127.0.0.1:${a}/literal` }, metrics, invocation)) as ApplicationFailure;
    expect((await metrics.httpRefused.get()).values).toEqual([{ labels: { namespace: 'tenant-a', rule: 'loopback' }, value: 1 }]);
    expect(failure.message).toBe(`http step refused: 127.0.0.1:${a} is denied by rule loopback 127.0.0.0/8; allow it with HTTP_STEP_ALLOWED_DESTINATIONS (by address: a name does not open loopback, link-local, metadata or unspecified addresses)`);
    expect(seenA.filter((s) => s.url === '/literal')).toEqual([]);
  });

  it('says why a request that got no answer failed, not just "fetch failed", and lets the step policy retry it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const failure = (await call(policy(`127.0.0.1:${port}`), { url: `http://127.0.0.1:${port}/hook`, method: 'POST' })) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'HttpRequestFailed', nonRetryable: false });
    expect(failure.message).toMatch(new RegExp(`^POST http://127\\.0\\.0\\.1:${port}/hook: fetch failed: .*ECONNREFUSED`));
  });

  it('refuses a URL with credentials in it, which would be echoed into the status and the history', async () => {
    const failure = (await call(policy(`127.0.0.1:${a}`), { url: `http://user:hunter2@127.0.0.1:${a}/x` })) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(failure.message).toContain('must not carry credentials');
    expect(failure.message).not.toContain('hunter2');
  });

  it(`stops reading a response at ${MAX_RESPONSE_BYTES} bytes and fails the step without retry`, async () => {
    const failure = (await call(policy(`127.0.0.1:${a}`), { url: `http://127.0.0.1:${a}/big` })) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'HttpResponseTooLarge', nonRetryable: true });
  });

  it('refuses a URL that is not http or https, or no URL at all, as invalid input', async () => {
    expect(await call(policy(), { url: 'file:///etc/passwd' })).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    const notAUrl = (await call(policy(), { url: 'not a url' })) as ApplicationFailure;
    expect(notAUrl).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(notAUrl.message).toMatch(/^invalid input for activity "http": url: must be an http or https URL/);
  });
});

describe('http step: redirects', () => {
  const both = () => policy(`127.0.0.1:${a}`, `127.0.0.1:${b}`);

  it('judges every hop: an allowed server redirecting to a denied one fails, the denied one never asked', async () => {
    const failure = (await call(both(), { url: `http://127.0.0.1:${a}/to?url=${encodeURIComponent(`http://127.0.0.1:${denied}/secret`)}` })) as ApplicationFailure;
    expect(failure).toMatchObject({ type: HTTP_DESTINATION_REFUSED, nonRetryable: true });
    expect(failure.message).toContain(`127.0.0.1:${denied} is denied by rule loopback 127.0.0.0/8`);
    expect(seenDenied).toEqual([]);
  });

  it(`follows at most ${MAX_REDIRECTS} redirects`, async () => {
    const before = seenA.length;
    const failure = (await call(both(), { url: `http://127.0.0.1:${a}/loop` })) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'HttpTooManyRedirects', nonRetryable: true });
    expect(seenA.length - before).toBe(MAX_REDIRECTS + 1);
  });

  it('keeps credentials on the same origin, drops them on another; a 303 turns a POST into a GET without a body', async () => {
    const to = (port: number, path: string, status = 302) => `http://127.0.0.1:${a}/to?status=${status}&url=${encodeURIComponent(`http://127.0.0.1:${port}${path}`)}`;
    const headers = { authorization: 'Bearer t', cookie: 'c=1', 'x-keep': 'k' };
    expect(await call(both(), { url: to(a, '/same'), headers })).toBe('GET /same');
    expect(seenA.at(-1)!.headers).toMatchObject({ authorization: 'Bearer t', cookie: 'c=1', 'x-keep': 'k' });
    expect(await call(both(), { url: to(b, '/other'), headers })).toBe('GET /other');
    expect(seenB.at(-1)!.headers).toMatchObject({ 'x-keep': 'k' });
    expect(seenB.at(-1)!.headers.authorization).toBeUndefined();
    expect(seenB.at(-1)!.headers.cookie).toBeUndefined();
    expect(await call(both(), { url: to(b, '/after-post', 303), method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } })).toBe('GET /after-post');
    expect(seenB.at(-1)).toMatchObject({ method: 'GET', body: '' });
    expect(seenB.at(-1)!.headers['content-type']).toBeUndefined();
    // A 307 keeps the method and the body.
    expect(await call(both(), { url: to(b, '/kept', 307), method: 'POST', body: 'payload' })).toBe('POST /kept');
    expect(seenB.at(-1)!.body).toBe('payload');
  });
});
