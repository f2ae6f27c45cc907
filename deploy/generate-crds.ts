/**
 * `npm run crds`: writes the CRDs generated from the zod schemas to deploy/crds/ and to the chart's crds/,
 * then deploy/install.yaml (helm template of the chart, which holds them).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTool } from '../sandbox/tools/cache.js';
import { helm } from '../sandbox/tools/go-tools.js';
import { CRD_DIRS, renderCrdFiles } from './crd-files.js';
import { INSTALL_YAML, renderInstallYaml } from './install-yaml.js';

const root = join(import.meta.dirname, '..');
for (const dir of CRD_DIRS) {
  for (const [file, text] of renderCrdFiles()) {
    writeFileSync(join(root, dir, file), text);
    console.log(`wrote ${dir}/${file}`);
  }
}
const { helm: helmBinary } = await ensureTool(helm);
writeFileSync(INSTALL_YAML, await renderInstallYaml(helmBinary!));
console.log('wrote deploy/install.yaml');
