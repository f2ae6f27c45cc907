/** `npm run crds`: writes deploy/crds/*.yaml from the zod schemas. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrdFiles } from './crd-files.js';

const dir = join(import.meta.dirname, 'crds');
for (const [file, text] of renderCrdFiles()) {
  writeFileSync(join(dir, file), text);
  console.log(`wrote deploy/crds/${file}`);
}
