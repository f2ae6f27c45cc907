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
    expect(lines).toEqual(['f.yaml: OrchestrationRun/r: spec.steps[1].dependsOn[1]: step "b" depends on "nope", which is not a step of this run']);
  });

  it('gives the cycle as its path', async () => {
    const lines = await lint(run('r', '  steps:\n    - {name: a, dependsOn: [c], activity: {name: sleep}}\n    - {name: b, dependsOn: [a], activity: {name: sleep}}\n    - {name: c, dependsOn: [b], activity: {name: sleep}}'));
    expect(lines).toHaveLength(1);
    expect(lines).toEqual(['f.yaml: OrchestrationRun/r: spec.steps[1].dependsOn[0]: dependency cycle: a → b → c → a']);
  });

  it('names a bad template reference and a missing parameter', async () => {
    const lines = await lint(run('r', '  steps:\n    - {name: a, activity: {name: sleep, input: {x: "{{params.branch}}"}}}\n    - {name: b, activity: {name: sleep, input: {x: "{{steps.zz.output}}"}}}'));
    expect(lines).toEqual([
      'f.yaml: OrchestrationRun/r: spec.steps[0].activity.input.x: step "a" uses {{params.branch}}, which is not a parameter of this run',
      'f.yaml: OrchestrationRun/r: spec.steps[1].activity.input.x: step "b" uses {{steps.zz.output}}, but "zz" is not a step it depends on (directly or transitively)',
    ]);
  });

  it('gives schema problems with their path, in each document of a multi-document file', async () => {
    const lines = await lint(`${run('ok', '  steps:\n    - {name: a, activity: {name: sleep}}')}---\n${run('r', '  steps:\n    - {name: a, activity: {name: sleep}, job: {image: busybox}}')}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^f\.yaml#2: OrchestrationRun\/r: spec\.steps\[0\]: exactly one of activity or job/);
  });

  it("checks a run of an Orchestration with the run's parameters, the template from the file", async () => {
    const text = `${orchestration('t', '  steps:\n    - {name: a, activity: {name: sleep, input: {x: "{{params.branch}}"}}}')}---\n${run('r', '  orchestrationRef: {name: t}')}---\n${run('p', '  orchestrationRef: {name: t}\n  parameters: {branch: main}')}`;
    expect(await lint(text)).toEqual(['f.yaml#2: OrchestrationRun/r: Orchestration/t spec.steps[0].activity.input.x: step "a" uses {{params.branch}}, which is not a parameter of this run']);
  });

  it('reads a template missing from the files from the cluster lookup, and notes one found nowhere', async () => {
    const template = { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'Orchestration', metadata: { name: 't', namespace: 'default', uid: 'u' }, spec: { steps: [{ name: 'a', dependsOn: ['x'], activity: { name: 'sleep' } }] } };
    expect(await lint(run('r', '  orchestrationRef: {name: t}'), () => Promise.resolve(template))).toEqual([
      'f.yaml: OrchestrationRun/r: Orchestration/t (in the cluster) spec.steps[0].dependsOn[0]: step "a" depends on "x", which is not a step of this run',
    ]);
    expect(await lint(run('r', '  orchestrationRef: {name: t}'))).toEqual([
      'f.yaml: OrchestrationRun/r: note: orchestrationRef: Orchestration default/t is not in the files (pass --cluster to read it from the cluster); its steps were not checked',
    ]);
  });

  it('reports YAML that does not parse, and leaves other kinds to kubectl', async () => {
    expect((await lint('a: [1, 2\n'))[0]).toMatch(/^f\.yaml: \?\/\?: \(yaml\): /);
    expect(await lint('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n')).toEqual([]);
  });

  it('exits 1 with problems, 0 without, and prints JSON with -o json', async () => {
    const files = { 'bad.yaml': run('r', '  steps:\n    - {name: a, dependsOn: [b], activity: {name: sleep}}'), 'good.yaml': run('g', '  steps:\n    - {name: a, activity: {name: sleep}}') };
    const bad = await runProgram(['lint', 'bad.yaml', 'good.yaml'], files);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('bad.yaml: OrchestrationRun/r: spec.steps[0].dependsOn[0]: step "a" depends on "b"');
    expect(bad.stdout).toContain('1 problem');
    const good = await runProgram(['lint', 'good.yaml'], files);
    expect(good).toMatchObject({ code: 0, stdout: '1 object OK\n' });
    const json = await runProgram(['lint', '-o', 'json', 'bad.yaml'], files);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      problems: 1,
      documents: [{ kind: 'OrchestrationRun', name: 'r', document: 1, problems: [{ path: 'spec.steps[0].dependsOn[0]', message: 'step "a" depends on "b", which is not a step of this run' }] }],
    });
  });
  it('names every problem of one run in one pass: an unknown dependency, a cycle, a bad reference, a duplicate', async () => {
    const spec = [
      '  steps:',
      '    - {name: a, dependsOn: [c], activity: {name: sleep}}',
      '    - {name: b, dependsOn: [a, buidl], activity: {name: sleep, input: {url: "https://x/{{params.missing}}"}}}',
      '    - {name: c, dependsOn: [b], activity: {name: sleep, input: {list: ["{{param.typo}}"]}}}',
      '    - {name: a, activity: {name: sleep}}',
      '  finally:',
      '    - {name: tidy, dependsOn: [b], activity: {name: sleep, input: {p: "{{steps.nope.phase}}"}}}',
    ].join('\n');
    expect(await lint(run('r', spec))).toEqual([
      'f.yaml: OrchestrationRun/r: spec.steps[3].name: duplicate step name "a"',
      'f.yaml: OrchestrationRun/r: spec.steps[1].dependsOn[1]: step "b" depends on "buidl", which is not a step of this run',
      'f.yaml: OrchestrationRun/r: spec.steps[1].dependsOn[0]: dependency cycle: a → b → c → a',
      'f.yaml: OrchestrationRun/r: spec.steps[1].activity.input.url: step "b" uses {{params.missing}}, which is not a parameter of this run',
      'f.yaml: OrchestrationRun/r: spec.steps[2].activity.input.list[0]: step "c" has an invalid reference {{param.typo}}; use {{params.NAME}} or {{steps.NAME.output}}',
      'f.yaml: OrchestrationRun/r: spec.finally[0].dependsOn[0]: finally step "tidy" depends on "b", which is not a finally step; finally steps may depend only on each other (they run after every step)',
      'f.yaml: OrchestrationRun/r: spec.finally[0].activity.input.p: finally step "tidy" uses {{steps.nope.phase}}, but "nope" is neither a step nor a finally step it depends on',
    ]);
  });

  it('names each repeat of a name at its own step, and a repeat does not break the order of a list without dependsOn', async () => {
    expect(await lint(run('r', '  steps:\n    - {name: a, activity: {name: sleep}}\n    - {name: a, activity: {name: sleep}}\n    - {name: a, activity: {name: sleep}}'))).toEqual([
      'f.yaml: OrchestrationRun/r: spec.steps[1].name: duplicate step name "a"',
      'f.yaml: OrchestrationRun/r: spec.steps[2].name: duplicate step name "a"',
    ]);
    // c runs after the second a, which runs after b: {{steps.b.output}} is an ancestor's, whatever the names.
    const spec = '  steps:\n    - {name: a, activity: {name: sleep}}\n    - {name: b, activity: {name: sleep}}\n    - {name: a, activity: {name: sleep}}\n    - {name: c, activity: {name: sleep, input: {x: "{{steps.b.output}}"}}}';
    expect(await lint(run('r', spec))).toEqual(['f.yaml: OrchestrationRun/r: spec.steps[2].name: duplicate step name "a"']);
  });

  it('names two independent cycles', async () => {
    const spec = '  steps:\n    - {name: a, dependsOn: [b], activity: {name: sleep}}\n    - {name: b, dependsOn: [a], activity: {name: sleep}}\n    - {name: c, dependsOn: [d], activity: {name: sleep}}\n    - {name: d, dependsOn: [c], activity: {name: sleep}}';
    const lines = await lint(run('r', spec));
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).toMatch(/dependency cycle: (a → b → a|b → a → b)[\s\S]*dependency cycle: (c → d → c|d → c → d)/);
  });

  it('refuses what is not a manifest: a scalar, a list, a kind of our group that does not exist; checks the items of a List', async () => {
    expect(await lint('just text\n')).toEqual(['f.yaml: ?/?: (root): not a Kubernetes object: a string where a mapping with apiVersion, kind and metadata belongs']);
    expect(await lint('- a\n- b\n')).toEqual(['f.yaml: ?/?: (root): not a Kubernetes object: a list where a mapping with apiVersion, kind and metadata belongs']);
    expect(await lint('apiVersion: orchestration.proompteng.ai/v1alpha1\nkind: OrchestrationRunn\nmetadata: {name: x}\n')).toEqual([
      'f.yaml: OrchestrationRunn/x: kind: OrchestrationRunn is not a kind of orchestration.proompteng.ai (its kinds: OrchestrationRun, Orchestration, OrchestrationSchedule)',
    ]);
    const list = `apiVersion: v1\nkind: List\nitems:\n${[run('ok', '  steps:\n    - {name: a, activity: {name: sleep}}'), run('bad', '  steps:\n    - {name: a, dependsOn: [x], activity: {name: sleep}}')]
      .map((doc) => `- ${doc.trimEnd().split('\n').join('\n  ')}`)
      .join('\n')}\n`;
    expect(await lint(list)).toEqual(['f.yaml items[1]: OrchestrationRun/bad: spec.steps[0].dependsOn[0]: step "a" depends on "x", which is not a step of this run']);
  });

  it('exits 1 when the files hold nothing it checks (an empty file, only Secrets)', async () => {
    const files = { 'empty.yaml': '', 'secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n' };
    const out = await runProgram(['lint', 'empty.yaml', 'secret.yaml'], files);
    expect(out).toMatchObject({ code: 1, stdout: 'nothing to check: no OrchestrationRun, Orchestration or OrchestrationSchedule in empty.yaml, secret.yaml\n' });
  });
});
