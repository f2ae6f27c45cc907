// What the bridge's informer cache keeps of an object: everything reconcile reads, without the metadata it
// never reads (managedFields beyond spec.cancel's owner, kubectl's last-applied-configuration).
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { listInPages, trimForCache } from '../../bridge/informers.js';
import { cancelFieldManager } from '../../core/index.js';

// As the wire has it (times are strings there, Dates in client-node's types).
type Run = KubernetesObject & { metadata: V1ObjectMeta; spec: unknown; status: unknown };
const wire = {
  apiVersion: 'orchestration.proompteng.ai/v1alpha1',
  kind: 'OrchestrationRun',
  metadata: {
    name: 'r',
    namespace: 'ns',
    uid: 'u',
    resourceVersion: '7',
    generation: 2,
    finalizers: ['orchestration.proompteng.ai/runtime-cleanup'],
    labels: { team: 'a' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{"steps":[]}}', note: 'kept' },
    managedFields: [
      { manager: 'kubectl-client-side-apply', operation: 'Update', time: '2026-11-30T10:00:00Z', fieldsV1: { 'f:spec': { 'f:steps': {} } } },
      { manager: 'kubectl-patch', operation: 'Update', time: '2026-11-30T10:01:00Z', fieldsV1: { 'f:spec': { 'f:cancel': {} } } },
      { manager: 'orchestration-workflow', operation: 'Apply', subresource: 'status', fieldsV1: { 'f:status': { 'f:steps': {}, 'f:phase': {} } } },
    ],
  },
  spec: { cancel: true, steps: [{ name: 'a', activity: { name: 'sleep', input: { seconds: 0 } } }] },
  status: { phase: 'Running' },
};
const run = wire as unknown as Run;

describe('trimForCache', () => {
  it('keeps spec, status and the metadata reconcile reads; cuts managedFields to the owner of spec.cancel and drops last-applied', () => {
    const trimmed = trimForCache(run);
    expect(trimmed.spec).toEqual(run.spec);
    expect(trimmed.status).toEqual(run.status);
    const { managedFields, annotations, ...rest } = trimmed.metadata;
    expect(rest).toEqual({ name: 'r', namespace: 'ns', uid: 'u', resourceVersion: '7', generation: 2, finalizers: ['orchestration.proompteng.ai/runtime-cleanup'], labels: { team: 'a' } });
    expect(annotations).toEqual({ note: 'kept' });
    expect(managedFields).toEqual([{ manager: 'kubectl-patch', operation: 'Update', time: '2026-11-30T10:01:00Z', fieldsV1: { 'f:spec': { 'f:cancel': {} } } }]);
    // Who cancelled is still read from it.
    expect(cancelFieldManager(managedFields)).toBe(cancelFieldManager(run.metadata.managedFields));
    expect(cancelFieldManager(managedFields)).toBe('kubectl-patch');
  });

  it('leaves no empty managedFields or annotations behind, and does not change the object it was given', () => {
    const plain: Run = { ...run, metadata: { ...run.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, managedFields: [run.metadata.managedFields![0]!] } };
    const trimmed = trimForCache(plain);
    expect(trimmed.metadata).not.toHaveProperty('managedFields');
    expect(trimmed.metadata).not.toHaveProperty('annotations');
    expect(plain.metadata.managedFields).toHaveLength(1);
  });
});

describe('listInPages', () => {
  const object = (name: string) => ({ metadata: { name, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } } });
  /** A list of `n` objects served `size` at a time, as the apiserver pages it; records each token asked for. */
  function pagedList(n: number, size: number) {
    const asked: (string | undefined)[] = [];
    const page = (token: string | undefined) => {
      asked.push(token);
      const from = token ? Number(token.slice(1)) : 0;
      const items = Array.from({ length: Math.min(size, n - from) }, (_, i) => object(`o${from + i}`));
      const next = from + size < n ? `c${from + size}` : undefined;
      return Promise.resolve({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '42', ...(next ? { continue: next } : {}) }, items });
    };
    return { page, asked };
  }

  it('reads every page with the token of the one before and keeps every object, trimmed, under the snapshot resourceVersion', async () => {
    const { page, asked } = pagedList(5, 2);
    const list = await listInPages(page, 'things');
    expect(asked).toEqual([undefined, 'c2', 'c4']);
    expect(list.items.map((o) => o.metadata?.name)).toEqual(['o0', 'o1', 'o2', 'o3', 'o4']);
    expect(list.items.every((o) => o.metadata?.annotations === undefined)).toBe(true);
    expect(list.metadata).toEqual({ resourceVersion: '42' });
  });

  it('stops with an error naming the kind past its bound on pages, rather than listing forever', async () => {
    const { page, asked } = pagedList(100, 2);
    await expect(listInPages(page, 'things', 3)).rejects.toThrow('listing things: more than 3 pages');
    expect(asked).toHaveLength(3);
  });
});
