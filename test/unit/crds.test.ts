// The CRD YAML under deploy/crds/ and the chart's crds/ is generated from the zod schemas; this fails when either is stale.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRD_DIRS, renderCrdFiles } from '../../deploy/crd-files.js';

const root = join(import.meta.dirname, '..', '..');

describe.each(CRD_DIRS)('%s', (crdDir) => {
  it('matches what `npm run crds` generates from core/api', () => {
    const generated = renderCrdFiles();
    const dir = join(root, crdDir);
    expect(readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()).toEqual([...generated.keys()].sort());
    for (const [file, text] of generated) {
      expect(readFileSync(join(dir, file), 'utf8'), `${crdDir}/${file} is stale: run npm run crds`).toBe(text);
    }
  });
});

describe('generated CRDs', () => {

  it('is structural: no defaults, no anyOf, preserve-unknown-fields only on activity input (of steps and finally steps, in both kinds)', () => {
    const all = [...renderCrdFiles().values()].join('\n');
    expect(all).not.toMatch(/^\s+default:/m);
    expect(all).not.toMatch(/anyOf/);
    expect(all.match(/x-kubernetes-preserve-unknown-fields: true/g)).toHaveLength(4);
  });
});
