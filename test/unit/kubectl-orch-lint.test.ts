// kubectl-orch lint: the bridge's own checks on files, each problem named, and the program's exit codes.
import { describe, expect, it } from 'vitest';
import { formatFindings, lintDocuments, readDocuments } from '../../cli/lint.js';
import { runProgram } from './kubectl-orch-io.js';

const run = (name: string, spec: string) => `apiVersion: orchestration.proompteng.ai/v1alpha1\nkind: OrchestrationRun\nmetadata: {name: ${name}}\nspec:\n${spec}\n`;
const orchestration = (name: string, spec: string) => `apiVersion: orchestration.proompteng.ai/v1alpha1\nkind: Orchestration\nmetadata: {name: ${name}}\nspec:\n${spec}\n`;

async function lint(text: string, lookup?: (ns: string, name: string) => Promise<unknown>) {
  const read = readDocuments('f.yaml', text);
  return formatFindings([...read.findings, ...(await lintDocuments(read.documents, { namespace: 'default', ...(lookup ? { lookup } : {}) }))]);
}

describe('lint', () => {
  it('names the unknown dependency and the step that has it', async () => {
    const lines = await lint(run('r', '  steps:\n    - {name: a, activity: {name: sleep}}\n    - {name: b, dependsOn: [a, nope], activity: {name: sleep}}'));
    expect(lines).toEqual(['f.yaml: OrchestrationRun/r: step "b" depends on "nope", which is not a step of this run']);
  });

  it('gives the cycle as its path', async () => {
    const lines = await lint(run('r', '  steps:\n    - {name: a, dependsOn: [c], activity: {name: sleep}}\n    - {name: b, dependsOn: [a], activity: {name: sleep}}\n    - {name: c, dependsOn: [b], activity: {name: sleep}}'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^f\.yaml: OrchestrationRun\/r: dependency cycle: (\w → ){3}\w$/);
  });

  it('names a bad template reference and a missing parameter', async () => {
    const lines = await lint(run('r', '  steps:\n    - {name: a, activity: {name: sleep, input: {x: "{{params.branch}}"}}}\n    - {name: b, activity: {name: sleep, input: {x: "{{steps.zz.output}}"}}}'));
    expect(lines).toContain('f.yaml: OrchestrationRun/r: step "a" uses {{params.branch}}, which is not a parameter of this run');
    expect(lines.some((l) => l.includes('{{steps.zz.output}}'))).toBe(true);
  });

  it('gives schema problems with their path, in each document of a multi-document file', async () => {
    const lines = await lint(`${run('ok', '  steps:\n    - {name: a, activity: {name: sleep}}')}---\n${run('r', '  steps:\n    - {name: a, activity: {name: sleep}, job: {image: busybox}}')}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^f\.yaml#2: OrchestrationRun\/r: spec\.steps\[0\]: exactly one of activity or job/);
  });

  it("checks a run of an Orchestration with the run's parameters, the template from the file", async () => {
    const text = `${orchestration('t', '  steps:\n    - {name: a, activity: {name: sleep, input: {x: "{{params.branch}}"}}}')}---\n${run('r', '  orchestrationRef: {name: t}')}---\n${run('p', '  orchestrationRef: {name: t}\n  parameters: {branch: main}')}`;
    expect(await lint(text)).toEqual(['f.yaml#2: OrchestrationRun/r: with Orchestration t: step "a" uses {{params.branch}}, which is not a parameter of this run']);
  });

  it('reads a template missing from the files from the cluster lookup, and notes one found nowhere', async () => {
    const template = { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'Orchestration', metadata: { name: 't', namespace: 'default', uid: 'u' }, spec: { steps: [{ name: 'a', dependsOn: ['x'], activity: { name: 'sleep' } }] } };
    expect(await lint(run('r', '  orchestrationRef: {name: t}'), () => Promise.resolve(template))).toEqual([
      'f.yaml: OrchestrationRun/r: orchestrationRef t (in the cluster): step "a" depends on "x", which is not a step of this run',
    ]);
    expect(await lint(run('r', '  orchestrationRef: {name: t}'))).toEqual([
      'f.yaml: OrchestrationRun/r: note: orchestrationRef: Orchestration default/t is not in the files (pass --cluster to read it from the cluster); its steps were not checked',
    ]);
  });

  it('reports YAML that does not parse, and leaves other kinds to kubectl', async () => {
    expect((await lint('a: [1, 2\n'))[0]).toMatch(/^f\.yaml: \?\/\?: YAML: /);
    expect(await lint('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n')).toEqual([]);
  });

  it('exits 1 with problems, 0 without, and prints JSON with -o json', async () => {
    const files = { 'bad.yaml': run('r', '  steps:\n    - {name: a, dependsOn: [b], activity: {name: sleep}}'), 'good.yaml': run('g', '  steps:\n    - {name: a, activity: {name: sleep}}') };
    const bad = await runProgram(['lint', 'bad.yaml', 'good.yaml'], files);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('bad.yaml: OrchestrationRun/r: step "a" depends on "b"');
    expect(bad.stdout).toContain('1 problem');
    const good = await runProgram(['lint', 'good.yaml'], files);
    expect(good).toMatchObject({ code: 0, stdout: '1 object OK\n' });
    const json = await runProgram(['lint', '-o', 'json', 'bad.yaml'], files);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, problems: 1, documents: [{ kind: 'OrchestrationRun', name: 'r' }] });
  });
});
