/**
 * `kubectl orch lint`: the bridge's own checks (core/spec-check.ts, core/resolve-run.ts) on manifests read from
 * files, so a file that lints clean is one the bridge starts. Pure: documents in, findings out.
 */
import { parseAllDocuments } from 'yaml';
import { checkOrchestration, checkRun, issueProblems, OrchestrationScheduleSchema, type FieldProblem, type Orchestration, type OrchestrationRun } from '../core/index.js';
import { API_GROUP, ORCHESTRATION_KIND, ORCHESTRATION_RUN_KIND, ORCHESTRATION_SCHEDULE_KIND } from '../core/api/names.js';
import { runLists } from '../core/resolve-run.js';
import { stepFindings } from '../core/spec-check.js';

export interface LintDocument {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  /** The item of a `kind: List` document (as `kubectl get -o yaml` writes), 0-based. */
  item?: number;
  raw: unknown;
}

export interface Finding {
  file: string;
  index: number;
  item?: number;
  kind: string;
  name: string;
  /** Problems make the bridge refuse the object, each at its field path; notes say what lint could not check. */
  problems: FieldProblem[];
  notes: string[];
}

/** Reads every YAML document of a file; a document that does not parse is a finding of its own. */
export function readDocuments(file: string, text: string): { documents: LintDocument[]; findings: Finding[] } {
  const documents: LintDocument[] = [];
  const findings: Finding[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      findings.push({ file, index, kind: '?', name: '?', problems: doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0]! })), notes: [] });
      return;
    }
    const raw: unknown = doc.toJS();
    if (raw === null || raw === undefined) return; // an empty document, as between two `---`
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      findings.push({ file, index, kind: '?', name: '?', problems: [{ path: '(root)', message: `not a Kubernetes object: a ${Array.isArray(raw) ? 'list' : typeof raw} where a mapping with apiVersion, kind and metadata belongs` }], notes: [] });
      return;
    }
    const { kind, items } = raw as { kind?: unknown; items?: unknown };
    if (kind === 'List' && Array.isArray(items)) items.forEach((item: unknown, i) => documents.push({ file, index, item: i, raw: item }));
    else documents.push({ file, index, raw });
  });
  return { documents, findings };
}

interface Manifest {
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; generateName?: unknown };
}

/** What the apiserver would add before the bridge sees the object: a namespace, a uid, a name for generateName. */
function asStored(raw: unknown, namespace: string): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const m = raw as Manifest & Record<string, unknown>;
  const meta = (typeof m.metadata === 'object' && m.metadata !== null ? m.metadata : {}) as Record<string, unknown>;
  const name = meta.name ?? (typeof meta.generateName === 'string' ? `${meta.generateName}lint` : undefined);
  return { ...m, metadata: { ...meta, ...(name !== undefined ? { name } : {}), namespace: meta.namespace ?? namespace, uid: 'lint' } };
}

const nameOf = (raw: unknown): string => {
  const meta = (raw as Manifest | null)?.metadata;
  return typeof meta?.name === 'string' ? meta.name : typeof meta?.generateName === 'string' ? `${meta.generateName}*` : '(no name)';
};
const apiVersionOf = (raw: unknown): string => {
  const version = (raw as { apiVersion?: unknown } | null)?.apiVersion;
  return typeof version === 'string' ? version : '';
};
const kindOf = (raw: unknown): string => {
  const kind = (raw as Manifest | null)?.kind;
  return typeof kind === 'string' ? kind : '(no kind)';
};

/**
 * Lints documents. A run's orchestrationRef is looked up among the Orchestrations of the documents, then with
 * `lookup` (the cluster), in the run's namespace; one found nowhere is a note, not a problem (lint is offline).
 */
export async function lintDocuments(
  documents: readonly LintDocument[],
  options: { namespace: string; lookup?: (namespace: string, name: string) => Promise<unknown> },
): Promise<Finding[]> {
  const templates = new Map<string, Orchestration>();
  const invalidTemplates = new Set<string>();
  const findings: Finding[] = [];
  const runs: { doc: LintDocument; run: OrchestrationRun; finding: Finding }[] = [];
  for (const doc of documents) {
    const kind = kindOf(doc.raw);
    const finding: Finding = { file: doc.file, index: doc.index, ...(doc.item !== undefined ? { item: doc.item } : {}), kind, name: nameOf(doc.raw), problems: [], notes: [] };
    findings.push(finding);
    const stored = asStored(doc.raw, options.namespace);
    if (kind === ORCHESTRATION_KIND) {
      const checked = checkOrchestration(stored);
      if (checked.ok) templates.set(`${checked.value.metadata.namespace}/${checked.value.metadata.name}`, checked.value);
      else {
        finding.problems.push(...checked.fields);
        const meta = (stored as { metadata?: { namespace?: string; name?: string } }).metadata;
        invalidTemplates.add(`${meta?.namespace}/${meta?.name}`);
      }
    } else if (kind === ORCHESTRATION_RUN_KIND) {
      const checked = checkRun(stored);
      if (checked.ok) runs.push({ doc, run: checked.value, finding });
      else finding.problems.push(...checked.fields);
    } else if (kind === ORCHESTRATION_SCHEDULE_KIND) {
      // The schema is all the bridge checks before it creates the Temporal schedule.
      const parsed = OrchestrationScheduleSchema.safeParse(stored);
      if (!parsed.success) finding.problems.push(...issueProblems(parsed.error));
    } else if (apiVersionOf(doc.raw).startsWith(`${API_GROUP}/`)) {
      finding.problems.push({ path: 'kind', message: `${kind} is not a kind of ${API_GROUP} (its kinds: ${ORCHESTRATION_RUN_KIND}, ${ORCHESTRATION_KIND}, ${ORCHESTRATION_SCHEDULE_KIND})` });
    } else {
      findings.pop(); // Secrets, ConfigMaps and the like beside the runs are kubectl's to check
    }
  }
  for (const { run, finding } of runs) {
    const ref = run.spec.orchestrationRef;
    if (run.spec.resumeFrom) {
      finding.notes.push(`resumeFrom ${run.spec.resumeFrom.name}: its steps are checked when the run starts, against the run it resumes`);
      continue;
    }
    if (!ref) continue;
    const key = `${run.metadata.namespace}/${ref.name}`;
    if (invalidTemplates.has(key)) {
      finding.problems.push({ path: 'spec.orchestrationRef.name', message: `Orchestration ${ref.name} of the files is invalid (its problems are listed with it)` });
      continue;
    }
    let template = templates.get(key);
    let where = '';
    if (!template && options.lookup) {
      const found = await options.lookup(run.metadata.namespace, ref.name);
      if (found !== undefined) {
        where = ' (in the cluster)';
        const checked = checkOrchestration(found);
        if (!checked.ok) {
          finding.problems.push(...checked.fields.map((p) => ({ path: `Orchestration/${ref.name}${where} ${p.path}`, message: p.message })));
          continue;
        }
        template = checked.value;
      }
    }
    if (!template) {
      finding.notes.push(`orchestrationRef: Orchestration ${key} is not in the files${options.lookup ? ' nor in the cluster' : ' (pass --cluster to read it from the cluster)'}; its steps were not checked`);
      continue;
    }
    // The bridge's resolution (core/resolve-run.ts): the same lists, checked with the run's parameters.
    const lists = runLists(run, template);
    const base = (source: string, list: string) => (source === 'run' ? `spec.${list}` : `Orchestration/${ref.name}${where} spec.${list}`);
    finding.problems.push(...stepFindings(lists.steps, lists.parameters, lists.finallySteps, { steps: base(lists.sources.steps, 'steps'), finally: base(lists.sources.finally, 'finally') }));
  }
  return findings;
}

/** One line per problem and note, `file[#doc]: Kind/name: problem`; the documents without any are not listed. */
export function formatFindings(findings: readonly Finding[]): string[] {
  const where = (f: Finding) => `${f.file}${f.index > 0 ? `#${f.index + 1}` : ''}${f.item !== undefined ? ` items[${f.item}]` : ''}: ${f.kind}/${f.name}`;
  return findings.flatMap((f) => [...f.problems.map((p) => `${where(f)}: ${p.path}: ${p.message}`), ...f.notes.map((n) => `${where(f)}: note: ${n}`)]);
}
