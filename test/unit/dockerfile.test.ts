// This machine has no Docker engine, so the image is never built here. What can be checked without one is:
// the Dockerfile's sources exist and enter the build context, it compiles what `npm run build` compiles, its
// entry point is the file the build writes, it runs as a numeric non-root user, and its base images are pinned.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../bin/commands.js';
import { loadBridgeConfig } from '../../bridge/config.js';
import { loadWorkerConfig } from '../../worker/config.js';
import { parseCopy, parseDockerfile, type Stage } from '../support/dockerfile.js';

const root = join(import.meta.dirname, '..', '..');
const dockerfile = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const stageNames = dockerfile.stages.map((s) => s.name);
const runtime = dockerfile.stages.at(-1)!;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);
/** A stage's instructions with those of the stages it is built FROM. */
const lineage = (stage: Stage): Stage['instructions'] => {
  const parent = dockerfile.stages.find((s) => s.name === stage.from);
  return [...(parent ? lineage(parent) : []), ...stage.instructions];
};
const stageNamed = (name: string | undefined) => dockerfile.stages.find((s) => s.name === name);

/** The .dockerignore allowlist: `*`, then `!path` for what enters the build context. */
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
const inContext = (path: string) => dockerignore.slice(1).some((p) => p.startsWith('!') && (path === p.slice(1).replace(/\/$/, '') || path.startsWith(p.slice(1))));

/** What tsc emits for tsconfig.build.json, relative to the repo. */
function buildOutputs(): { include: string[]; outputs: string[] } {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.build.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('cannot read tsconfig.build.json');
  const include = (parsed.raw as { include: string[] }).include;
  const outputs = parsed.fileNames.flatMap((f) => ts.getOutputFileNames(parsed, f, false)).map((f) => f.slice(root.length + 1));
  return { include, outputs };
}

describe('Dockerfile', () => {
  it('pins every base image to a version, never latest', () => {
    const bases = dockerfile.stages.filter((s) => !stageNames.includes(s.from)).map((s) => s.from);
    expect(bases.length).toBeGreaterThan(0);
    for (const image of bases) {
      const tag = /^[^@]+:([^/@]+)(@sha256:[0-9a-f]{64})?$/.exec(image)?.[1];
      expect(tag, `${image} has no tag`).toBeDefined();
      expect(tag, `${image} is not pinned to a version`).toMatch(/^v?\d+\.\d+(\.\d+)?/);
    }
  });

  it('copies from the build context only files that exist and that .dockerignore lets in', () => {
    expect(dockerignore[0], '.dockerignore starts by excluding everything').toBe('*');
    const sources = dockerfile.stages.flatMap((s) => all(s, 'COPY').map(parseCopy)).filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(sources).toContain('package-lock.json');
    for (const source of sources) {
      expect(existsSync(join(root, source)), `COPY ${source}: no such file in the repository`).toBe(true);
      expect(inContext(source), `COPY ${source}: excluded by .dockerignore`).toBe(true);
    }
  });

  it('copies from earlier stages only what they make: node_modules from npm ci, dist from npm run build', () => {
    for (const copy of all(runtime, 'COPY').map(parseCopy).filter((c) => c.from !== undefined)) {
      const stage = stageNamed(copy.from);
      expect(stage, `COPY --from=${copy.from}: no such stage`).toBeDefined();
      const runs = lineage(stage!).filter((i) => i.keyword === 'RUN').map((i) => i.args);
      for (const source of copy.sources) {
        if (source === '/app/node_modules') expect(runs, `${copy.from} must install production dependencies only`).toContain('npm ci --omit=dev --no-audit --no-fund');
        else if (source === '/app/dist') expect(runs).toContain('npm run build');
        else throw new Error(`COPY --from=${copy.from} ${source}: the test knows no stage output of that name`);
      }
    }
  });

  it('compiles in its build stage every directory that npm run build compiles', () => {
    const build = dockerfile.stages.find((s) => all(s, 'RUN').includes('npm run build'))!;
    const copied = lineage(build).filter((i) => i.keyword === 'COPY').flatMap((i) => parseCopy(i.args).sources);
    const { include } = buildOutputs();
    for (const dir of [...include, 'tsconfig.json', 'tsconfig.build.json']) expect(copied, `the build stage does not copy ${dir}`).toContain(dir);
  });

  it("runs the entry point npm run build writes, with the dispatcher's commands", () => {
    expect(last(runtime, 'WORKDIR')).toBe('/app');
    expect(JSON.parse(last(runtime, 'ENTRYPOINT')!)).toEqual(['node', '/app/dist/bin/orchestration-bridge.js']);
    expect(buildOutputs().outputs).toContain('dist/bin/orchestration-bridge.js');
    const cmd = JSON.parse(last(runtime, 'CMD')!) as string[];
    expect(cmd).toHaveLength(1);
    expect(Object.keys(COMMANDS)).toContain(cmd[0]);
  });

  it('runs as a numeric non-root user with no package manager in the runtime stage', () => {
    const user = last(runtime, 'USER');
    expect(user, 'the runtime stage sets no USER').toMatch(/^\d+(:\d+)?$/);
    for (const id of user!.split(':')) expect(Number(id)).toBeGreaterThan(0);
    const runs = all(runtime, 'RUN');
    expect(runs.filter((r) => /\bnpm (ci|install|i)\b/.test(r))).toEqual([]);
    expect(runs.join(' ')).toMatch(/rm -rf .*\/usr\/local\/bin\/npm\b/);
    expect(stageNames.includes(runtime.from), 'the runtime stage starts from a base image, not a build stage').toBe(false);
  });

  it('exposes the ports the bridge and the worker listen on by default', () => {
    const exposed = all(runtime, 'EXPOSE').flatMap((e) => e.split(/\s+/)).map(Number);
    expect(exposed).toEqual(expect.arrayContaining([loadBridgeConfig({}).httpPort, loadWorkerConfig({}).httpPort]));
  });
});
