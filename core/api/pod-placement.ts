/**
 * Where a job step's Pod may run: tolerations and affinity, modelled field by field as Kubernetes spells
 * them, every list bounded. Rules that tie fields together (In needs values, Exists none) are left to the
 * apiserver, which checks them when it admits the Job and answers with a message the step fails with.
 */
import { z } from 'zod';
import { LabelValueSchema, QualifiedNameSchema, boundedRecord } from './kubernetes.js';

/** Affinity lists are short in practice; these bounds also keep the CRD's CEL cost estimate small. */
const MAX_TERMS = 8;
const MAX_EXPRESSIONS = 16;
const MAX_VALUES = 64;

export const TolerationSchema = z.object({
  key: QualifiedNameSchema.optional().describe('Taint key; empty with operator Exists tolerates every taint.'),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: LabelValueSchema.optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.int().min(-2147483648).max(2147483647).optional(),
});

const NodeSelectorRequirementSchema = z.object({
  key: QualifiedNameSchema,
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
  values: z.array(z.string().max(253)).max(MAX_VALUES).optional(),
});

const NodeSelectorTermSchema = z.object({
  matchExpressions: z.array(NodeSelectorRequirementSchema).max(MAX_EXPRESSIONS).optional(),
  matchFields: z.array(NodeSelectorRequirementSchema).max(MAX_EXPRESSIONS).optional(),
});

const NodeAffinitySchema = z.object({
  requiredDuringSchedulingIgnoredDuringExecution: z
    .object({ nodeSelectorTerms: z.array(NodeSelectorTermSchema).min(1).max(MAX_TERMS) })
    .optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z
    .array(z.object({ weight: z.int().min(1).max(100), preference: NodeSelectorTermSchema }))
    .max(MAX_TERMS)
    .optional(),
});

const LabelSelectorSchema = z.object({
  matchLabels: boundedRecord(QualifiedNameSchema, LabelValueSchema, MAX_EXPRESSIONS).optional(),
  matchExpressions: z
    .array(
      z.object({
        key: QualifiedNameSchema,
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(LabelValueSchema).max(MAX_VALUES).optional(),
      }),
    )
    .max(MAX_EXPRESSIONS)
    .optional(),
});

const PodAffinityTermSchema = z.object({
  labelSelector: LabelSelectorSchema.optional(),
  namespaceSelector: LabelSelectorSchema.optional(),
  namespaces: z.array(z.string().min(1).max(63)).max(MAX_VALUES).optional(),
  topologyKey: QualifiedNameSchema,
});

const PodAffinityRulesSchema = z.object({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(PodAffinityTermSchema).max(MAX_TERMS).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z
    .array(z.object({ weight: z.int().min(1).max(100), podAffinityTerm: PodAffinityTermSchema }))
    .max(MAX_TERMS)
    .optional(),
});

export const PodAffinitySchema = z
  .object({
    nodeAffinity: NodeAffinitySchema.optional(),
    podAffinity: PodAffinityRulesSchema.optional(),
    podAntiAffinity: PodAffinityRulesSchema.optional(),
  })
  .describe("The Pod's affinity: nodeAffinity, podAffinity and podAntiAffinity as in a Pod spec.");
