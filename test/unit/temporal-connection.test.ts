// A Temporal call still retrying an unreachable server when its connection closes: the SDK's retry timer fires
// on the closed channel. Without the guard in common/temporal-connection.ts, grpc-js throws "Channel has been
// shut down" from that timer (an uncaught exception: vitest fails the run) and the call never settles.
// With it, the call rejects with CANCELLED "Temporal connection closed".
import { createServer } from 'node:net';
import { InterceptingCall, ListenerBuilder, status, type Interceptor } from '@grpc/grpc-js';
import { Client, isGrpcServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { DeadlineReads } from '../../bridge/workflow-reader.js';
import { CONNECTION_CLOSED_DETAILS, lazyTemporal, temporalInterceptors } from '../../common/temporal-connection.js';
import { waitFor } from '../../sandbox/wait.js';

/** A loopback port with nothing listening: every call is UNAVAILABLE, which the client retries. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Temporal connection', () => {
  it('ends a call that is waiting to retry when the connection closes, with CANCELLED, instead of throwing from a timer', async () => {
    // Between the retry and the guard: sees each attempt's status.
    const attempts: number[] = [];
    const observer: Interceptor = (options, nextCall) =>
      new InterceptingCall(nextCall(options), {
        start(metadata, _listener, next) {
          next(
            metadata,
            new ListenerBuilder()
              .withOnReceiveStatus((s, nextStatus) => {
                attempts.push(s.code);
                nextStatus(s);
              })
              .build(),
          );
        },
      });
    const [retry, guard] = temporalInterceptors();
    const connection = lazyTemporal({ address: `127.0.0.1:${await closedPort()}`, interceptors: [retry!, observer, guard!] });
    const client = new Client({ connection });
    const described = client.workflow
      .getHandle('absent')
      .describe()
      .then(
        () => 'answered',
        (err: unknown) => err,
      );
    // The first attempt fails at once (nothing listens); the retry waits on its timer. Close meanwhile.
    await waitFor(() => (attempts.length > 0 ? true : undefined), { what: 'the first attempt failed', timeoutMs: 10_000, intervalMs: 5 });
    expect(attempts).toEqual([status.UNAVAILABLE]);
    await connection.close();
    const err = await described;
    expect(isGrpcServiceError((err as Error).cause)).toBe(true);
    expect(attempts).toEqual([status.UNAVAILABLE, status.CANCELLED]);
    expect(((err as Error).cause as { code: number; details: string })).toMatchObject({ code: status.CANCELLED, details: CONNECTION_CLOSED_DETAILS });
  });

  it('gives a read up at its deadline, while the client goes on retrying it', async () => {
    const connection = lazyTemporal({ address: `127.0.0.1:${await closedPort()}` });
    const client = new Client({ connection });
    const reads = new DeadlineReads(client);
    const deadline = Date.now() + 300;
    await expect(reads.read(deadline, () => client.workflow.getHandle('absent').describe())).rejects.toThrow(/did not answer within the read deadline/);
    await connection.close();
  });
});
