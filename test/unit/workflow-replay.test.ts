// Recorded histories (test/fixtures/histories) replay through today's workflow code: a change that would
// break running workflows fails here. Re-record with scripts/record-histories.ts only behind patched().
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../worker/create-worker.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json') || f.endsWith('.json.gz'));

describe('workflow replay', () => {
  it('has recorded histories to replay', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(2);
  });

  it.each(fixtures)('replays %s', { timeout: 60_000 }, async (file) => {
    const raw = readFileSync(join(dir, file));
    const history: unknown = JSON.parse((file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
    await expect(
      Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH, replayName: file }, history, `replay-${file}`),
    ).resolves.toBeUndefined();
  });
});
