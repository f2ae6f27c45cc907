/** Kubernetes' own rules for names, label keys and values and quantities, as the apimachinery validation spells them. */
import { z } from 'zod';

/** A DNS-1123 label: the same rule Kubernetes applies to names that end up in labels and Job names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain: names of Secrets, ConfigMaps, ServiceAccounts, PersistentVolumeClaims. */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A label or annotation key: an optional DNS-1123 subdomain prefix and "/", then a name of at most 63 characters. */
export const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: empty, or at most 63 characters of alphanumerics, "-", "_" and ".", alphanumeric at both ends. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** Kubernetes' own pattern of a resource.Quantity (the one kubebuilder writes into CRDs). */
export const QUANTITY_PATTERN = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** 253 (prefix) + "/" + 63 (name). */
export const MAX_QUALIFIED_NAME = 317;

export const DnsLabelSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(DNS1123_LABEL, 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending alphanumeric');

export const DnsSubdomainSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(DNS1123_SUBDOMAIN, 'must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", starting and ending alphanumeric');

export const QualifiedNameSchema = z
  .string()
  .min(1)
  .max(MAX_QUALIFIED_NAME)
  .regex(QUALIFIED_NAME, 'must be a qualified name: an optional DNS-1123 subdomain and "/", then up to 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric');

export const LabelValueSchema = z
  .string()
  .max(63)
  .regex(LABEL_VALUE, 'must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric');

/**
 * A resource quantity such as "500m", "1Gi" or 2. int-or-string in the CRD: an integer, or a string whose
 * bounds the generator lifts onto the int-or-string node, where the apiserver applies them to strings.
 */
export const QuantitySchema = z
  .union([z.string().max(64).regex(QUANTITY_PATTERN, 'must be a Kubernetes quantity such as 500m, 1Gi or 2'), z.int()])
  .meta({ 'x-kubernetes-int-or-string': true });

/** A file mode as Kubernetes takes it: 0 to 0777 (511). */
export const FileModeSchema = z.int().min(0).max(511);

/**
 * A relative path with no ".." element: what subPath and a projected item's path must be. A pattern, not a
 * CEL rule: the apiserver checks patterns for free, while CEL on a string inside 5,000 steps is priced over
 * its budget. RE2 has no lookahead, so the pattern spells out the segments that are not "..".
 */
const SEGMENT = String.raw`(\.|\.?[^/.][^/]*|\.\.[^/]+)`;
export const RELATIVE_PATH = new RegExp(`^${SEGMENT}(/${SEGMENT}?)*$`);
export const RelativePathSchema = z.string().min(1).max(4096).regex(RELATIVE_PATH, 'must be a relative path without ".." elements');

/**
 * A map of at most `max` entries. zod's record has no size bound of its own, hence the refine; the CRD
 * states it as maxProperties and as the refine's CEL twin (constant cost). The keys' syntax is checked by
 * the bridge (and again by the apiserver when it admits the Job): a regex per key inside 5,000 steps is
 * priced far over the apiserver's CEL budget.
 */
export function boundedRecord<K extends z.ZodType<string, string>, V extends z.ZodType>(
  key: K,
  value: V,
  max: number,
  more: { keyProblem?: (key: string) => string | undefined; rules?: readonly { rule: string; message: string }[] } = {},
) {
  return z
    .record(key, value)
    .superRefine((record, ctx) => {
      const keys = Object.keys(record);
      if (keys.length > max) ctx.addIssue({ code: 'custom', message: `at most ${max} entries, not ${keys.length}` });
      for (const k of keys) {
        const problem = more.keyProblem?.(k);
        if (problem) ctx.addIssue({ code: 'custom', path: [k], message: problem });
      }
    })
    .meta({ maxProperties: max, 'x-kubernetes-validations': [{ rule: `self.size() <= ${max}`, message: `at most ${max} entries` }, ...(more.rules ?? [])] });
}
