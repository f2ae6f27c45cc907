/**
 * createChildRun: the OrchestrationRun of an orchestration step, created (or found, on a retry) with a
 * deterministic name, owned by the parent run and labelled with it, and resolved into the snapshot its
 * workflow gets, the way the bridge resolves a run. The parent's workflow then starts the child's workflow
 * as a Temporal child workflow; the bridge sees the child's labels and only mirrors it.
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import {
  API_GROUP,
  API_GROUP_VERSION,
  API_VERSION,
  ChildRunLabels,
  MAX_ORCHESTRATION_DEPTH,
  ORCHESTRATION_PLURAL,
  ORCHESTRATION_RUN_KIND,
  Reasons,
  childRunLabels,
  childRunNameFor,
  parseOrchestration,
  parseRun,
  runDepth,
  type RunIdentity,
  type RunSnapshot,
} from '../core/index.js';
import { resolveRun } from '../core/resolve-run.js';
import { apiErrorMessage, apiStatus, isNotFound, runObjectRef } from './kube.js';

export interface CreateChildRunInput {
  parent: RunIdentity;
  step: string;
  /** The Orchestration the child runs, in the parent's namespace. */
  orchestration: string;
  /** The step's parameters, templates already substituted. */
  parameters: Record<string, string>;
}

export interface ChildRun {
  name: string;
  uid: string;
  depth: number;
  snapshot: RunSnapshot;
}

/** Answers of the apiserver that a retry cannot change. */
const REJECTED = new Set([400, 403, 422]);

const invalid = (message: string) => ApplicationFailure.nonRetryable(message, Reasons.ChildRunInvalid);

export function createChildRunActivities(kubeConfig: KubeConfig) {
  const objects = kubeConfig.makeApiClient(CustomObjectsApi);

  async function read(what: string, call: () => Promise<unknown>): Promise<unknown> {
    try {
      return await call();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new Error(`could not read ${what}: ${apiErrorMessage(err)}`, { cause: err });
    }
  }

  async function createChildRun(input: CreateChildRunInput): Promise<ChildRun> {
    const { parent, step } = input;
    const where = `${parent.namespace}/${parent.name}`;
    const parentObj = await read(`run ${where}`, () => objects.getNamespacedCustomObject(runObjectRef(parent)));
    const parentRun = parentObj === undefined ? undefined : parseRun(parentObj);
    if (!parentRun?.ok || parentRun.value.metadata.uid !== parent.uid) {
      throw ApplicationFailure.nonRetryable(`run ${where} (uid ${parent.uid}) is gone; its step "${step}" starts no child run`, Reasons.ParentEnded);
    }
    const depth = runDepth(parentRun.value) + 1;
    if (depth > MAX_ORCHESTRATION_DEPTH) {
      throw invalid(`step "${step}" would start a child run at depth ${depth}; Orchestrations nest at most ${MAX_ORCHESTRATION_DEPTH} levels deep`);
    }
    const templateObj = await read(`Orchestration ${parent.namespace}/${input.orchestration}`, () =>
      objects.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: ORCHESTRATION_PLURAL, namespace: parent.namespace, name: input.orchestration }),
    );
    if (templateObj === undefined) throw invalid(`step "${step}": Orchestration ${parent.namespace}/${input.orchestration} not found`);
    const template = parseOrchestration(templateObj);
    if (!template.ok) throw invalid(`step "${step}": Orchestration ${parent.namespace}/${input.orchestration} is invalid: ${template.problems.slice(0, 5).join('; ')}`);

    const name = childRunNameFor(parent, step);
    const body = {
      apiVersion: API_GROUP_VERSION,
      kind: ORCHESTRATION_RUN_KIND,
      metadata: {
        name,
        namespace: parent.namespace,
        labels: childRunLabels(parent, step, depth),
        // Deleting the parent deletes its children (the garbage collector); the parent's workflow cancels them first.
        ownerReferences: [{ apiVersion: API_GROUP_VERSION, kind: ORCHESTRATION_RUN_KIND, name: parent.name, uid: parent.uid, controller: true }],
      },
      spec: { orchestrationRef: { name: input.orchestration }, ...(Object.keys(input.parameters).length > 0 ? { parameters: input.parameters } : {}) },
    };
    let created: unknown;
    try {
      created = await objects.createNamespacedCustomObject({ ...runObjectRef(parent), body });
    } catch (err) {
      const status = apiStatus(err);
      if (status === 409) created = await read(`run ${parent.namespace}/${name}`, () => objects.getNamespacedCustomObject(runObjectRef({ namespace: parent.namespace, name })));
      else if (status !== undefined && REJECTED.has(status)) throw invalid(`step "${step}": the child run ${parent.namespace}/${name} was rejected: ${apiErrorMessage(err)}`);
      else throw new Error(`could not create the child run ${parent.namespace}/${name} of ${where}: ${apiErrorMessage(err)}`, { cause: err });
    }
    const child = parseRun(created);
    if (!child.ok) throw invalid(`step "${step}": the child run ${parent.namespace}/${name} does not match the schema: ${child.problems.slice(0, 5).join('; ')}`);
    // Found under its name but made by someone else (or for another parent): never adopted.
    if (child.value.metadata.labels?.[ChildRunLabels.parentUid] !== parent.uid) {
      throw ApplicationFailure.nonRetryable(`run ${parent.namespace}/${name} exists and is not a child of ${where} (uid ${parent.uid})`, 'ChildRunConflict');
    }
    const resolved = resolveRun(child.value, template.value);
    if (resolved.kind === 'orchestrationNotFound') throw invalid(`step "${step}": Orchestration ${parent.namespace}/${resolved.name} not found`);
    if (resolved.kind === 'invalid') throw invalid(`step "${step}": the child run ${parent.namespace}/${name} is invalid: ${resolved.problems.slice(0, 5).join('; ')}`);
    return { name, uid: child.value.metadata.uid, depth, snapshot: { ...resolved.snapshot, returnOutputs: true } };
  }

  return { createChildRun };
}

export type ChildRunActivities = ReturnType<typeof createChildRunActivities>;
