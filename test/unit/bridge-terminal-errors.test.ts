// Which failures of the executor's writes are terminal (not retried, shown on the run) and which go to the
// queue's backoff: the apiserver rejecting the request itself (400, 422) cannot succeed on a retry.
import { describe, expect, it } from 'vitest';
import { terminalIfRejected } from '../../bridge/executor.js';
import { isTerminalError } from '../../bridge/reconcile-result.js';
import type { OrchestrationRun } from '../../core/index.js';

const run = { metadata: { namespace: 'ns', name: 'r1', uid: 'u1' } } as OrchestrationRun;
/** client-node's ApiException: the HTTP status in `code`, the apiserver's Status object in `body`. */
const apiError = (code: number, message: string) => Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ kind: 'Status', message }) });

describe('terminalIfRejected', () => {
  it.each([
    [422, true],
    [400, true],
    [409, false], // a stale resourceVersion: the next pass reads the new one
    [404, false],
    [429, false],
    [500, false],
    [503, false],
  ])('HTTP %i → terminal: %s', (code, terminal) => {
    const err = apiError(code, 'status.message: Too long: may not be more than 32768 bytes');
    const mapped = terminalIfRejected(err, run, 'patchStatus');
    expect(isTerminalError(mapped)).toBe(terminal);
    if (terminal) expect((mapped as Error).message).toBe(`patchStatus for ns/r1 was rejected by the apiserver (${code}): status.message: Too long: may not be more than 32768 bytes`);
    else expect(mapped).toBe(err);
  });

  it('leaves errors that are not the apiserver answering alone (e.g. a connection refused)', () => {
    const err = new Error('connect ECONNREFUSED 127.0.0.1:6443');
    expect(terminalIfRejected(err, run, 'addFinalizer')).toBe(err);
  });
});
