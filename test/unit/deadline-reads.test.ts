// A read the bridge gives up on at its deadline must be over in the client before the connection closes:
// otherwise the client's retry fires on a closed channel and throws from a timer ("Channel has been shut down").
import { createServer } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { DeadlineReads } from '../../bridge/workflow-reader.js';

/** A loopback port with nothing listening: every call is UNAVAILABLE, which the client retries. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('DeadlineReads', () => {
  it('gives up at the deadline, and drain() waits until the client stopped retrying the read', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}` });
    const client = new Client({ connection });
    const reads = new DeadlineReads(client);
    const deadline = Date.now() + 300;
    await expect(reads.read(deadline, () => client.workflow.getHandle('absent').describe())).rejects.toThrow(/did not answer within the read deadline/);
    expect(reads.pending).toBe(1); // the client is still retrying
    await reads.drain();
    expect(reads.pending).toBe(0);
    await connection.close();
  });
});
