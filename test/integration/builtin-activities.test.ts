// The built-in step activities as a run uses them: http against a real local server, sleep, fail.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../core/index.js';
import { getRunState } from '../../workflows/definitions.js';
import { outcome, snapshotOf, startRun, startTestWorker, type TestWorker } from '../support/temporal.js';

let tw: TestWorker;
let server: Server;
let base: string;
const received: { method: string; url: string; body: string; header: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, body, header: req.headers['x-run'] as string | undefined });
      if (req.url === '/teapot') res.writeHead(418).end('short and stout');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end(`got ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The test's server listens on loopback, which http steps may not reach by default.
  tw = await startTestWorker({ httpAllowed: ['127.0.0.1'] });
});
afterAll(async () => {
  await tw?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

describe('built-in activities', () => {
  it('http sends the request and makes the response body the step output; a wrong status fails the step', async () => {
    const steps: Step[] = [
      { name: 'call', dependsOn: [], activity: { name: 'http', input: { url: `${base}/hook?b={{params.branch}}`, method: 'POST', headers: { 'x-run': 'r1' }, body: 'payload', expectStatus: 200 } } },
      { name: 'teapot', dependsOn: [], activity: { name: 'http', input: { url: `${base}/teapot` } } },
      { name: 'bad-input', dependsOn: [], activity: { name: 'http', input: { url: 'not a url' } } },
    ];
    const handle = await startRun(tw, snapshotOf(steps, { parameters: { branch: 'main' } }));
    await outcome(handle);
    const state = await handle.query(getRunState);
    const byName = Object.fromEntries(state.steps.map((s) => [s.name, s]));
    expect(byName.call).toMatchObject({ phase: 'Succeeded', output: 'got POST /hook?b=main' });
    expect(received).toContainEqual({ method: 'POST', url: '/hook?b=main', body: 'payload', header: 'r1' });
    expect(byName.teapot).toMatchObject({ phase: 'Failed', reason: 'HttpStatus', message: `GET ${base}/teapot answered 418 (expected 2xx): short and stout` });
    expect(byName['bad-input']).toMatchObject({ phase: 'Failed', reason: 'InvalidInput', attempts: 1 });
    expect(byName['bad-input']!.message).toMatch(/^invalid input for activity "http": url: /);
  });
});
