// The CRDs and the zod schemas agree on every bound: this walks each zod schema beside the CRD generated
// from it and fails on a bound that one has and the other lacks (the apiserver would then admit what the
// bridge rejects, or the reverse). Independent of the generator: it reads zod's own definitions.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { buildCrds } from '../../deploy/crd-builder.js';
import {
  OrchestrationRunSpecSchema,
  OrchestrationRunStatusSchema,
  OrchestrationScheduleSpecSchema,
  OrchestrationScheduleStatusSchema,
  OrchestrationSpecSchema,
  OrchestrationStatusSchema,
} from '../../core/index.js';

type Node = Record<string, unknown>;
interface Def {
  type: string;
  checks?: { _zod: { def: { check: string; value?: number; inclusive?: boolean; minimum?: number; maximum?: number; format?: string; pattern?: RegExp } } }[];
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string>;
  format?: string;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def; optin?: string } })._zod.def;
const isOptional = (schema: z.ZodType) => (schema as unknown as { _zod: { optin?: string } })._zod.optin === 'optional';

const BOUND_KEYS = ['minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'enum', 'minProperties', 'maxProperties'] as const;

/** The bounds a zod node enforces, in the CRD's vocabulary; `custom`: a refine, which only CEL can mirror. */
function boundsOf(def: Def, kind: 'string' | 'number' | 'array'): { bounds: Node; custom: boolean } {
  const bounds: Node = {};
  let custom = false;
  for (const { _zod } of def.checks ?? []) {
    const c = _zod.def;
    if (c.check === 'min_length') bounds[kind === 'array' ? 'minItems' : 'minLength'] = c.minimum;
    else if (c.check === 'max_length') bounds[kind === 'array' ? 'maxItems' : 'maxLength'] = c.maximum;
    else if (c.check === 'string_format' && c.format === 'regex') bounds.pattern = c.pattern!.source;
    else if (c.check === 'greater_than') bounds[c.inclusive ? 'minimum' : 'exclusiveMinimum'] = c.value;
    else if (c.check === 'less_than') bounds[c.inclusive ? 'maximum' : 'exclusiveMaximum'] = c.value;
    else if (c.check === 'custom') custom = true;
    else throw new Error(`unhandled zod check ${c.check}: teach this test (and the generator) about it`);
  }
  return { bounds, custom };
}

function crdBounds(node: Node): Node {
  const out: Node = {};
  for (const key of BOUND_KEYS) if (node[key] !== undefined) out[key] = node[key];
  return out;
}

function walk(schema: z.ZodType, node: Node | undefined, path: string, errors: string[]): void {
  if (!node) {
    errors.push(`${path}: in zod, missing from the CRD`);
    return;
  }
  const def = defOf(schema);
  if (def.innerType && ['optional', 'nullable', 'default', 'readonly', 'nonoptional'].includes(def.type)) return walk(def.innerType, node, path, errors);
  const hasCel = Array.isArray(node['x-kubernetes-validations']) && (node['x-kubernetes-validations'] as unknown[]).length > 0;
  const expectBounds = (bounds: Node, custom: boolean, allowExtra: readonly string[] = []) => {
    const actual = crdBounds(node);
    for (const key of allowExtra) if (custom) delete actual[key];
    expect.soft(actual, `${path}: CRD bounds`).toEqual(bounds);
    if (custom && !hasCel) errors.push(`${path}: a zod refine with no x-kubernetes-validations rule beside it`);
  };
  switch (def.type) {
    case 'string': {
      if (node.type !== 'string') errors.push(`${path}: zod string, CRD ${String(node.type)}`);
      const { bounds, custom } = boundsOf(def, 'string');
      return expectBounds(bounds, custom);
    }
    case 'number': {
      const integer = def.format === 'safeint' || def.format === 'int32';
      if (node.type !== (integer ? 'integer' : 'number')) errors.push(`${path}: zod ${integer ? 'integer' : 'number'}, CRD ${String(node.type)}`);
      const { bounds, custom } = boundsOf(def, 'number');
      return expectBounds(bounds, custom);
    }
    case 'boolean':
      if (node.type !== 'boolean') errors.push(`${path}: zod boolean, CRD ${String(node.type)}`);
      return expectBounds({}, false);
    case 'enum':
      return expectBounds({ enum: Object.values(def.entries!) }, false);
    case 'unknown':
      return;
    case 'array': {
      if (node.type !== 'array') errors.push(`${path}: zod array, CRD ${String(node.type)}`);
      const { bounds, custom } = boundsOf(def, 'array');
      expectBounds(bounds, custom);
      return walk(def.element!, node.items as Node | undefined, `${path}[]`, errors);
    }
    case 'object': {
      if (node.type !== 'object') errors.push(`${path}: zod object, CRD ${String(node.type)}`);
      const { custom } = boundsOf(def, 'array');
      expectBounds({}, custom);
      const properties = (node.properties ?? {}) as Record<string, Node>;
      const shape = def.shape!;
      expect.soft(Object.keys(properties).sort(), `${path}: CRD properties`).toEqual(Object.keys(shape).sort());
      const required = Object.entries(shape).filter(([, s]) => !isOptional(s)).map(([k]) => k).sort();
      expect.soft(((node.required ?? []) as string[]).slice().sort(), `${path}: required`).toEqual(required);
      for (const [key, value] of Object.entries(shape)) walk(value, properties[key], `${path}.${key}`, errors);
      return;
    }
    case 'record': {
      if (node.type !== 'object') errors.push(`${path}: zod record, CRD ${String(node.type)}`);
      const { custom } = boundsOf(def, 'array');
      // A refine on a record bounds its size (maxProperties); the CRD states the same as maxProperties.
      expectBounds({}, custom, ['maxProperties']);
      const keyChecks = boundsOf(defOf(def.keyType!), 'string');
      if (Object.keys(keyChecks.bounds).length > 0 && !hasCel) errors.push(`${path}: zod bounds the keys, the CRD does not (needs a CEL rule)`);
      if (node['x-kubernetes-preserve-unknown-fields'] === true) return;
      return walk(def.valueType!, node.additionalProperties as Node | undefined, `${path}{}`, errors);
    }
    case 'union': {
      if (node['x-kubernetes-int-or-string'] !== true) {
        errors.push(`${path}: a union the CRD cannot express except as int-or-string`);
        return;
      }
      // int-or-string: string bounds apply to strings, number bounds to integers, on the one node.
      const bounds: Node = {};
      for (const option of def.options!) {
        const d = defOf(option);
        if (d.type === 'string') Object.assign(bounds, boundsOf(d, 'string').bounds);
        // A safe integer: zod refuses what JavaScript cannot hold exactly, so the CRD must too.
        else if (d.type === 'number' && d.format === 'safeint') Object.assign(bounds, { minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }, boundsOf(d, 'number').bounds);
        else errors.push(`${path}: int-or-string admits only strings and integers, zod has ${d.type}${d.format ? `/${d.format}` : ''}`);
      }
      return expectBounds(bounds, false);
    }
    default:
      errors.push(`${path}: unhandled zod type ${def.type}`);
  }
}

function openApi(kind: string): Record<string, Node> {
  const crd = buildCrds().find((c) => (c.spec as { names: { kind: string } }).names.kind === kind)!;
  const version = (crd.spec as { versions: { schema: { openAPIV3Schema: { properties: Record<string, Node> } } }[] }).versions[0]!;
  return version.schema.openAPIV3Schema.properties;
}

describe('CRDs and zod agree on every bound', () => {
  it.each([
    ['OrchestrationRun', 'spec', OrchestrationRunSpecSchema],
    ['OrchestrationRun', 'status', OrchestrationRunStatusSchema],
    ['Orchestration', 'spec', OrchestrationSpecSchema],
    ['Orchestration', 'status', OrchestrationStatusSchema],
    ['OrchestrationSchedule', 'spec', OrchestrationScheduleSpecSchema],
    ['OrchestrationSchedule', 'status', OrchestrationScheduleStatusSchema],
  ] as const)('%s %s', (kind, part, schema) => {
    const errors: string[] = [];
    walk(schema, openApi(kind)[part], `${kind}.${part}`, errors);
    expect(errors).toEqual([]);
  });

  it('an over-long quantity is bounded in the CRD as in zod (it was lost on the int-or-string node)', () => {
    const cpu = (((openApi('OrchestrationRun').spec!.properties as Record<string, Node>).steps!.items as Node).properties as Record<string, Node>).job!;
    const requests = ((cpu.properties as Record<string, Node>).resources!.properties as Record<string, Node>).requests!.additionalProperties as Node;
    expect(requests).toMatchObject({ 'x-kubernetes-int-or-string': true, maxLength: 64 });
  });
});
