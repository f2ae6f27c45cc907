/**
 * A job step: the container and the parts of its Pod a real workload needs, spelled as Kubernetes spells
 * them. Secrets and ConfigMaps are taken by reference only (valueFrom, envFrom, volumes): the worker never
 * reads them, so their values never reach the run's status, its Events, the logs or Temporal.
 */
import { z } from 'zod';
import {
  DnsLabelSchema,
  DnsSubdomainSchema,
  FileModeSchema,
  LabelValueSchema,
  QualifiedNameSchema,
  QuantitySchema,
  RelativePathSchema,
  boundedRecord,
} from './kubernetes.js';
import { PodAffinitySchema, TolerationSchema } from './pod-placement.js';
import { ContainerSecurityContextSchema, PodSecurityContextSchema } from './security-context.js';
import { CONFINEMENT_ANNOTATION_PREFIXES, CONFINEMENT_ANNOTATIONS_TEXT, confinementKeyProblem, RESERVED_POD_KEYS, RESERVED_POD_KEYS_TEXT, RESERVED_POD_PREFIXES, reservedPodKeyProblem } from './names.js';

/**
 * A refine and its CEL twin: exactly one of `keys` is set. The rule is a chain of conditionals rather than
 * a sum of has() terms: env vars sit inside 5,000 steps × 256 entries, and the apiserver prices the sum
 * just over its budget.
 */
function exactlyOne<T extends object>(keys: readonly (keyof T & string)[]) {
  const message = `exactly one of ${keys.join(', ')} must be set`;
  const has = (k: string) => `has(self.${k})`;
  const chain = (rest: readonly string[]): string => {
    const [first, ...others] = rest;
    if (others.length === 0) return has(first!);
    return `${has(first!)} ? !(${others.map(has).join(' || ')}) : ${chain(others)}`;
  };
  return {
    check: (value: T) => keys.filter((k) => value[k] !== undefined).length === 1,
    message,
    cel: { rule: chain(keys), message },
  };
}

/** The key of a Secret or ConfigMap entry. */
const DataKeySchema = z.string().min(1).max(253).regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret or ConfigMap key: letters, digits, "-", "_" and "."');

export const KeyRefSchema = z.object({
  name: DnsSubdomainSchema.describe('Name of the Secret or ConfigMap in the run namespace.'),
  key: DataKeySchema,
  optional: z.boolean().optional().describe('Start the Pod even if the object or key is missing.'),
});

/** The Pod fields Kubernetes offers a container through the downward API. */
const FIELD_PATH = /^(metadata\.(name|namespace|uid)|metadata\.(labels|annotations)\['[^']{1,317}'\]|spec\.(nodeName|serviceAccountName)|status\.(hostIP|hostIPs|podIP|podIPs))$/;

const RESOURCE_FIELDS = ['limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage'] as const;

const valueSources = exactlyOne<{ secretKeyRef?: unknown; configMapKeyRef?: unknown; fieldRef?: unknown; resourceFieldRef?: unknown }>(['secretKeyRef', 'configMapKeyRef', 'fieldRef', 'resourceFieldRef']);

export const EnvVarSourceSchema = z
  .object({
    secretKeyRef: KeyRefSchema.optional().describe('A key of a Secret: the Pod reads the value, the worker never does.'),
    configMapKeyRef: KeyRefSchema.optional(),
    fieldRef: z
      .object({
        fieldPath: z.string().min(1).max(400).regex(FIELD_PATH, "must be a downward API field such as metadata.name, metadata.labels['key'] or status.podIP"),
        apiVersion: z.enum(['v1']).optional(),
      })
      .optional(),
    resourceFieldRef: z
      .object({
        resource: z.enum(RESOURCE_FIELDS),
        containerName: DnsLabelSchema.optional(),
        divisor: QuantitySchema.optional(),
      })
      .optional(),
  })
  .refine(valueSources.check, valueSources.message)
  .meta({ 'x-kubernetes-validations': [valueSources.cel] });

export const EnvVarSchema = z
  .object({
    name: z.string().min(1).max(253).regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, 'must be a valid environment variable name'),
    value: z.string().max(32768).optional(),
    valueFrom: EnvVarSourceSchema.optional(),
  })
  .refine((env) => env.value === undefined || env.valueFrom === undefined, 'value and valueFrom may not both be set')
  .meta({ 'x-kubernetes-validations': [{ rule: '!has(self.value) || !has(self.valueFrom)', message: 'value and valueFrom may not both be set' }] });

const ObjectRefSchema = z.object({ name: DnsSubdomainSchema, optional: z.boolean().optional() });
const envSources = exactlyOne<{ secretRef?: unknown; configMapRef?: unknown }>(['secretRef', 'configMapRef']);

export const EnvFromSourceSchema = z
  .object({
    prefix: z.string().max(253).regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, 'must start a valid environment variable name').optional(),
    secretRef: ObjectRefSchema.optional().describe('Every key of a Secret as a variable: a reference, the worker never reads it.'),
    configMapRef: ObjectRefSchema.optional(),
  })
  .refine(envSources.check, envSources.message)
  .meta({ 'x-kubernetes-validations': [envSources.cel] });

const KeyToPathSchema = z.object({ key: DataKeySchema, path: RelativePathSchema, mode: FileModeSchema.optional() });
const MAX_ITEMS = 64;

const volumeSources = exactlyOne<{ secret?: unknown; configMap?: unknown; emptyDir?: unknown; persistentVolumeClaim?: unknown }>(['secret', 'configMap', 'emptyDir', 'persistentVolumeClaim']);

export const VolumeSchema = z
  .object({
    name: DnsLabelSchema,
    secret: z
      .object({
        secretName: DnsSubdomainSchema,
        items: z.array(KeyToPathSchema).max(MAX_ITEMS).optional(),
        defaultMode: FileModeSchema.optional(),
        optional: z.boolean().optional(),
      })
      .optional(),
    configMap: z
      .object({
        name: DnsSubdomainSchema,
        items: z.array(KeyToPathSchema).max(MAX_ITEMS).optional(),
        defaultMode: FileModeSchema.optional(),
        optional: z.boolean().optional(),
      })
      .optional(),
    emptyDir: z.object({ medium: z.enum(['', 'Memory']).optional(), sizeLimit: QuantitySchema.optional() }).optional(),
    persistentVolumeClaim: z.object({ claimName: DnsSubdomainSchema, readOnly: z.boolean().optional() }).optional(),
  })
  .refine(volumeSources.check, volumeSources.message)
  .meta({ 'x-kubernetes-validations': [volumeSources.cel] })
  .describe('A volume of the Pod: only secret, configMap, emptyDir and persistentVolumeClaim.');

export const VolumeMountSchema = z.object({
  name: DnsLabelSchema.describe('Name of a volume of this job step.'),
  mountPath: z.string().min(1).max(4096).regex(/^[^:]+$/, 'must be a path without ":"'),
  readOnly: z.boolean().optional(),
  subPath: RelativePathSchema.optional(),
});

export const MAX_ENV = 256;
export const MAX_ENV_FROM = 32;
export const MAX_VOLUMES = 32;
export const MAX_POD_METADATA = 32;

/** One CEL rule per map (each rule is priced per step): no key with one of the prefixes, none of the keys. */
function refusedKeysRule(prefixes: readonly string[], message: string) {
  return {
    rule: `self.all(k, ${prefixes.map((p) => `!k.startsWith('${p}')`).join(' && ')}) && ${RESERVED_POD_KEYS.map((k) => `!('${k}' in self)`).join(' && ')}`,
    message,
  };
}
const reservedMessage = `may not set keys the controller sets on its Jobs and Pods: ${RESERVED_POD_KEYS_TEXT}`;

/** Pod labels: any key but the ones the controller and the Job controller set. */
const podLabels = () => boundedRecord(QualifiedNameSchema, LabelValueSchema, MAX_POD_METADATA, { keyProblem: reservedPodKeyProblem, rules: [refusedKeysRule(RESERVED_POD_PREFIXES, reservedMessage)] });

/** Pod annotations: neither the reserved keys nor those that loosen the Pod's confinement (AppArmor, seccomp). */
const podAnnotations = () =>
  boundedRecord(QualifiedNameSchema, z.string().max(8192), MAX_POD_METADATA, {
    keyProblem: (key) => reservedPodKeyProblem(key) ?? confinementKeyProblem(key),
    rules: [
      refusedKeysRule(
        [...RESERVED_POD_PREFIXES, ...CONFINEMENT_ANNOTATION_PREFIXES],
        `${reservedMessage}; nor keys that loosen the Pod's confinement: ${CONFINEMENT_ANNOTATIONS_TEXT}`,
      ),
    ],
  });

// CEL has no let: a one-element list binds the volume name → true map to a name, built once (see step.ts).
const VOLUME_NAMES = '[has(self.volumes) ? self.volumes.transformMapEntry(i, v, {v.name: true}) : {}]';
const MOUNTS_DECLARED = {
  rule: `!has(self.volumeMounts) || ${VOLUME_NAMES}.all(names, self.volumeMounts.all(m, m.name in names))`,
  message: 'every volumeMounts entry must name a volume of this job step',
  fieldPath: '.volumeMounts',
};

export const JobStepSchema = z
  .object({
    image: z.string().min(1).max(1024).describe('Container image of the Job.'),
    command: z.array(z.string().max(4096)).max(256).optional(),
    args: z.array(z.string().max(4096)).max(256).optional(),
    env: z.array(EnvVarSchema).max(MAX_ENV).optional(),
    envFrom: z.array(EnvFromSourceSchema).max(MAX_ENV_FROM).optional(),
    resources: z
      .object({
        requests: z.record(z.string(), QuantitySchema).optional(),
        limits: z.record(z.string(), QuantitySchema).optional(),
      })
      .optional(),
    volumeMounts: z
      .array(VolumeMountSchema)
      .max(MAX_VOLUMES)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['mountPath'] }),
    securityContext: ContainerSecurityContextSchema.optional().describe("The container's securityContext."),
    serviceAccountName: DnsSubdomainSchema.optional().describe("The Pod's ServiceAccount in the run namespace; default: the namespace's default."),
    volumes: z
      .array(VolumeSchema)
      .max(MAX_VOLUMES)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }),
    nodeSelector: boundedRecord(QualifiedNameSchema, LabelValueSchema, MAX_POD_METADATA).optional(),
    tolerations: z.array(TolerationSchema).max(32).optional(),
    affinity: PodAffinitySchema.optional(),
    imagePullSecrets: z
      .array(z.object({ name: DnsSubdomainSchema }))
      .max(16)
      .optional(),
    podSecurityContext: PodSecurityContextSchema.optional().describe("The Pod's securityContext."),
    labels: podLabels().optional().describe('Labels of the Pod, beside the ones the controller sets.'),
    annotations: podAnnotations().optional().describe('Annotations of the Pod.'),
  })
  .superRefine((job, ctx) => {
    const declared = new Set<string>();
    for (const [i, volume] of (job.volumes ?? []).entries()) {
      if (declared.has(volume.name)) ctx.addIssue({ code: 'custom', path: ['volumes', i, 'name'], message: `duplicate volume name "${volume.name}"` });
      declared.add(volume.name);
    }
    const paths = new Set<string>();
    for (const [i, mount] of (job.volumeMounts ?? []).entries()) {
      if (!declared.has(mount.name)) {
        const known = declared.size > 0 ? `: declared are ${[...declared].join(', ')}` : ': this job step declares no volumes';
        ctx.addIssue({ code: 'custom', path: ['volumeMounts', i, 'name'], message: `names no volume of this job step ("${mount.name}")${known}` });
      }
      if (paths.has(mount.mountPath)) ctx.addIssue({ code: 'custom', path: ['volumeMounts', i, 'mountPath'], message: `duplicate mountPath "${mount.mountPath}"` });
      paths.add(mount.mountPath);
    }
  })
  .meta({ 'x-kubernetes-validations': [MOUNTS_DECLARED] })
  .describe('Run a batch/v1 Job in the run namespace.');
export type JobStep = z.infer<typeof JobStepSchema>;
