// `.dev/env` must survive `source` in a real shell whatever the values hold.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderEnvFile } from '../../sandbox/dev-env.js';

describe('renderEnvFile', () => {
  it('round-trips every value through bash `source`', () => {
    const env = {
      KUBECONFIG: "/tmp/with space/it's/kubeconfig",
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_UI_URL: 'http://127.0.0.1:8233/?a=1&b=$HOME',
      TEMPORAL_CLI: '/opt/tools/temporal',
    };
    const file = join(mkdtempSync(join(tmpdir(), 'dev-env-')), 'env');
    writeFileSync(file, renderEnvFile(env));
    const printed = execFileSync('bash', ['-c', `source "$1" && env -0`, 'bash', file], { encoding: 'utf8', env: {} });
    const got = Object.fromEntries(printed.split('\0').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    for (const [key, value] of Object.entries(env)) expect(got[key]).toBe(value);
  });
});
