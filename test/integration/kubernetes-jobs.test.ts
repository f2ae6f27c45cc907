// The sandbox runs Jobs for real: the job controller creates Pods, the scheduler binds them to the KWOK
// node, KWOK runs them, and the Job reaches Complete, or Failed when the test makes its Pod fail.
import { BatchV1Api, CoreV1Api, type V1Job } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../sandbox/wait.js';
import { kubeConfig, uniqueName } from '../support/sandbox.js';

let namespace: string;
let batch: BatchV1Api;
let core: CoreV1Api;

beforeAll(async () => {
  const kc = kubeConfig();
  batch = kc.makeApiClient(BatchV1Api);
  core = kc.makeApiClient(CoreV1Api);
  namespace = uniqueName('jobs');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // The serviceaccount controller must have made the namespace's default ServiceAccount before Pods can be admitted.
  await waitFor(async () => ((await core.readNamespacedServiceAccount({ name: 'default', namespace })) ? true : undefined), {
    what: `ServiceAccount ${namespace}/default`,
    timeoutMs: 30_000,
  });
});

function job(name: string, env: Record<string, string>): V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'busybox', command: ['true'], env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }],
        },
      },
    },
  };
}

async function finished(name: string): Promise<string> {
  return waitFor(
    async () => {
      const got = await batch.readNamespacedJob({ name, namespace });
      return got.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type;
    },
    { what: `Job ${namespace}/${name} finished`, timeoutMs: 60_000 },
  );
}

describe('Jobs on KWOK', () => {
  it('a Job reaches Complete', async () => {
    const name = uniqueName('ok');
    await batch.createNamespacedJob({ namespace, body: job(name, {}) });
    expect(await finished(name)).toBe('Complete');
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` });
    expect(pods.items.map((p) => [p.spec?.nodeName, p.status?.phase])).toEqual([['kwok-node-0', 'Succeeded']]);
  });

  it('a test can make a Pod fail, with exit code and termination message', async () => {
    const name = uniqueName('fail');
    await batch.createNamespacedJob({ namespace, body: job(name, { KWOK_EXIT_CODE: '3', KWOK_TERMINATION_MESSAGE: 'boom: disk full' }) });
    expect(await finished(name)).toBe('Failed');
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` });
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0]?.status?.phase).toBe('Failed');
    expect(pods.items[0]?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
      message: 'boom: disk full',
    });
  });
});
