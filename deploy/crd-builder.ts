/** Builds the CustomResourceDefinitions from the zod schemas of core/api: the schemas are the one source. */
import { z } from 'zod';
import {
  API_GROUP,
  API_VERSION,
  ORCHESTRATION_KIND,
  ORCHESTRATION_PLURAL,
  ORCHESTRATION_RUN_KIND,
  ORCHESTRATION_RUN_PLURAL,
  ORCHESTRATION_SCHEDULE_KIND,
  ORCHESTRATION_SCHEDULE_PLURAL,
  OrchestrationRunSpecSchema,
  OrchestrationScheduleSpecSchema,
  OrchestrationScheduleStatusSchema,
  OrchestrationRunStatusSchema,
  OrchestrationSpecSchema,
  OrchestrationStatusSchema,
} from '../core/index.js';

type JsonSchema = { [key: string]: unknown };

const STRING_BOUNDS = ['minLength', 'maxLength', 'pattern'] as const;
const NUMBER_BOUNDS = ['minimum', 'maximum'] as const;

/**
 * Turns zod's OpenAPI 3.0 output into a Kubernetes structural schema: no defaults (they are applied when a
 * run is resolved, so the stored object shows what the user wrote), no additionalProperties beside
 * preserve-unknown-fields, int-or-string instead of anyOf (with the bounds of its branches), and no JavaScript safe-integer bounds
 * on plain integer fields.
 */
function toStructural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStructural);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (key === 'default' || key === '$schema') continue;
    out[key] = toStructural(value);
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    // The apiserver applies string bounds on an int-or-string node to strings only, and number bounds to
    // integers only: lift both from zod's branches, or the CRD would admit what zod rejects (a 73-character
    // cpu request; an integer beyond 2^53, which the bridge cannot even read exactly). Taken from the
    // branches as zod wrote them, before the safe-integer bounds are dropped below.
    const branches = ((node as JsonSchema).anyOf ?? []) as JsonSchema[];
    for (const branch of branches) {
      const keys = branch.type === 'string' ? STRING_BOUNDS : branch.type === 'integer' ? NUMBER_BOUNDS : [];
      for (const key of keys) if (branch[key] !== undefined) out[key] = branch[key];
    }
    delete out.anyOf;
  }
  if (out['x-kubernetes-preserve-unknown-fields'] === true) delete out.additionalProperties;
  if (out.type === 'integer') {
    if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
    if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  }
  return out;
}

/** The OpenAPI v3 structural schema of a zod schema, as the apiserver wants it. */
export function structuralSchema(schema: z.ZodType): JsonSchema {
  return toStructural(z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' })) as JsonSchema;
}

interface CrdNames {
  kind: string;
  plural: string;
  shortNames: string[];
}

function crd(names: CrdNames, openAPIV3Schema: JsonSchema, version: JsonSchema = {}): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${names.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: {
        kind: names.kind,
        listKind: `${names.kind}List`,
        plural: names.plural,
        singular: names.kind.toLowerCase(),
        shortNames: names.shortNames,
        categories: ['orchestration'],
      },
      versions: [{ name: API_VERSION, served: true, storage: true, schema: { openAPIV3Schema }, ...version }],
    },
  };
}

function objectSchema(spec: z.ZodType, status?: z.ZodType): JsonSchema {
  return {
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: structuralSchema(spec),
      ...(status ? { status: structuralSchema(status) } : {}),
    },
  };
}

/** The CRDs of the API, in the order they are written to deploy/crds/. */
export function buildCrds(): JsonSchema[] {
  const age = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
  return [
    crd(
      { kind: ORCHESTRATION_KIND, plural: ORCHESTRATION_PLURAL, shortNames: ['orch'] },
      objectSchema(OrchestrationSpecSchema, OrchestrationStatusSchema),
      {
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
          age,
        ],
      },
    ),
    crd(
      { kind: ORCHESTRATION_RUN_KIND, plural: ORCHESTRATION_RUN_PLURAL, shortNames: ['orchrun'] },
      objectSchema(OrchestrationRunSpecSchema, OrchestrationRunStatusSchema),
      {
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
          { name: 'Steps', type: 'string', jsonPath: '.status.progress', description: 'Steps done/total' },
          { name: 'Queued', type: 'integer', jsonPath: '.status.queue.position', description: 'Place in the concurrency queue, while the run waits for a slot' },
          age,
        ],
      },
    ),
    crd(
      { kind: ORCHESTRATION_SCHEDULE_KIND, plural: ORCHESTRATION_SCHEDULE_PLURAL, shortNames: ['orchsched'] },
      objectSchema(OrchestrationScheduleSpecSchema, OrchestrationScheduleStatusSchema),
      {
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
          { name: 'Interval', type: 'string', jsonPath: '.spec.interval' },
          { name: 'Suspended', type: 'boolean', jsonPath: '.status.paused', description: 'Whether the Temporal Schedule is paused' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Last', type: 'date', jsonPath: '.status.lastRun.scheduledTime', description: 'Scheduled time of the latest run' },
          { name: 'Next', type: 'string', jsonPath: '.status.nextFireTimes[0]', description: 'Next fire time (a date column would show a future time as <invalid>)' },
          age,
        ],
      },
    ),
  ];
}
