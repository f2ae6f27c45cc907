// A job step for a real workload: Secrets and ConfigMaps by reference, a ServiceAccount, volumes, placement,
// security contexts and Pod metadata. The schema accepts what Kubernetes spells and names what is wrong;
// the builder carries every field into the Job, references as references.
import { describe, expect, it } from 'vitest';
import { describeIssues, JobStepSchema, stepJobManifest, type JobStep } from '../../core/index.js';

const problems = (job: unknown) => {
  const result = JobStepSchema.safeParse(job);
  return result.success ? [] : describeIssues(result.error);
};

const workload: JobStep = {
  image: 'registry.example.com/backup:1.4',
  env: [
    { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } },
    { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'site', key: 'region', optional: true } } },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'TEAM', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
    { name: 'MEMORY_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    { name: 'CORES', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: 1 } } },
    { name: 'PLAIN', value: 'x' },
  ],
  envFrom: [{ secretRef: { name: 's3-credentials' }, prefix: 'S3_' }, { configMapRef: { name: 'backup-settings', optional: true } }],
  resources: { limits: { memory: '256Mi' } },
  volumeMounts: [
    { name: 'tls', mountPath: '/etc/tls', readOnly: true },
    { name: 'scratch', mountPath: '/scratch' },
    { name: 'settings', mountPath: '/etc/backup/config.yaml', subPath: 'config.yaml' },
    { name: 'data', mountPath: '/data', readOnly: true },
  ],
  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  serviceAccountName: 'backup',
  volumes: [
    { name: 'tls', secret: { secretName: 'backup-tls', items: [{ key: 'tls.crt', path: 'tls.crt', mode: 0o400 }], defaultMode: 0o440 } },
    { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'settings', configMap: { name: 'backup-settings' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'postgres-data', readOnly: true } },
  ],
  nodeSelector: { 'kubernetes.io/os': 'linux', pool: 'batch' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a', 'b'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } }],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'postgres' } } } },
      ],
    },
  },
  imagePullSecrets: [{ name: 'registry-pull' }],
  podSecurityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
  labels: { team: 'storage', 'cost.example.com/center': 'db' },
  annotations: { 'example.com/owner': 'storage team <storage@example.com>' },
};

describe('JobStepSchema', () => {
  it('accepts a real workload: references, ServiceAccount, volumes, placement, security contexts, Pod metadata', () => {
    expect(problems(workload)).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['an env var with both value and valueFrom', { env: [{ name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }, 'env[0]: value and valueFrom may not both be set'],
    ['a valueFrom with no source', { env: [{ name: 'A', valueFrom: {} }] }, 'env[0].valueFrom: exactly one of secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef must be set'],
    [
      'a valueFrom with two sources',
      { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' }, configMapKeyRef: { name: 'c', key: 'k' } } }] },
      'env[0].valueFrom: exactly one of secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef must be set',
    ],
    ['a Secret name that is no DNS-1123 subdomain', { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'Db_Creds', key: 'k' } } }] }, 'env[0].valueFrom.secretKeyRef.name: must be a DNS-1123 subdomain'],
    ['a Secret key with a slash', { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'a/b' } } }] }, 'env[0].valueFrom.secretKeyRef.key: must be a Secret or ConfigMap key'],
    ['a fieldRef to a field the downward API lacks', { env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.containers' } } }] }, 'env[0].valueFrom.fieldRef.fieldPath: must be a downward API field'],
    ['a resourceFieldRef to an unknown resource', { env: [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } }] }, 'env[0].valueFrom.resourceFieldRef.resource:'],
    ['an envFrom with both refs', { envFrom: [{ secretRef: { name: 's' }, configMapRef: { name: 'c' } }] }, 'envFrom[0]: exactly one of secretRef, configMapRef must be set'],
    ['an envFrom prefix that starts with a digit', { envFrom: [{ prefix: '1_', secretRef: { name: 's' } }] }, 'envFrom[0].prefix: must start a valid environment variable name'],
    ['a ServiceAccount name with capitals', { serviceAccountName: 'Builder' }, 'serviceAccountName: must be a DNS-1123 subdomain'],
    ['a volume with no source', { volumes: [{ name: 'v' }] }, 'volumes[0]: exactly one of secret, configMap, emptyDir, persistentVolumeClaim must be set'],
    ['a volume with two sources', { volumes: [{ name: 'v', emptyDir: {}, persistentVolumeClaim: { claimName: 'c' } }] }, 'volumes[0]: exactly one of secret, configMap, emptyDir, persistentVolumeClaim must be set'],
    ['a volume name that is no DNS-1123 label', { volumes: [{ name: 'my.volume', emptyDir: {} }] }, 'volumes[0].name: must be a DNS-1123 label'],
    ['two volumes of one name', { volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }, 'volumes[1].name: duplicate volume name "v"'],
    ['a mount of an undeclared volume', { volumes: [{ name: 'cache', emptyDir: {} }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }, 'volumeMounts[0].name: names no volume of this job step ("data"): declared are cache'],
    ['a mount with no volumes at all', { volumeMounts: [{ name: 'data', mountPath: '/data' }] }, 'volumeMounts[0].name: names no volume of this job step ("data"): this job step declares no volumes'],
    ['two mounts at one path', { volumes: [{ name: 'v', emptyDir: {} }], volumeMounts: [{ name: 'v', mountPath: '/x' }, { name: 'v', mountPath: '/x' }] }, 'volumeMounts[1].mountPath: duplicate mountPath "/x"'],
    ['a subPath climbing out with ".."', { volumes: [{ name: 'v', emptyDir: {} }], volumeMounts: [{ name: 'v', mountPath: '/x', subPath: 'a/../../etc' }] }, 'volumeMounts[0].subPath: must be a relative path without ".." elements'],
    ['an absolute subPath', { volumes: [{ name: 'v', emptyDir: {} }], volumeMounts: [{ name: 'v', mountPath: '/x', subPath: '/etc' }] }, 'volumeMounts[0].subPath: must be a relative path without ".." elements'],
    ['a hostPath volume', { volumes: [{ name: 'v', hostPath: { path: '/' } }] }, 'volumes[0]: exactly one of secret, configMap, emptyDir, persistentVolumeClaim must be set'],
    ['a file mode over 0777', { volumes: [{ name: 'v', secret: { secretName: 's', defaultMode: 0o1000 } }] }, 'volumes[0].secret.defaultMode:'],
    ['an emptyDir on an unknown medium', { volumes: [{ name: 'v', emptyDir: { medium: 'HugePages' } }] }, 'volumes[0].emptyDir.medium:'],
    ['a nodeSelector key with a space', { nodeSelector: { 'my pool': 'a' } }, 'nodeSelector.my pool: invalid key: must be a qualified name'],
    ['a nodeSelector value that is no label value', { nodeSelector: { pool: 'a b' } }, 'nodeSelector.pool: must be a label value'],
    ['a toleration with an unknown effect', { tolerations: [{ key: 'k', effect: 'Sometimes' }] }, 'tolerations[0].effect:'],
    ['an affinity weight over 100', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 101, preference: {} }] } } }, 'affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight:'],
    ['required node affinity with no terms', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } }, 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms:'],
    ['an imagePullSecret with capitals', { imagePullSecrets: [{ name: 'Registry' }] }, 'imagePullSecrets[0].name: must be a DNS-1123 subdomain'],
    ['a negative runAsUser', { podSecurityContext: { runAsUser: -1 } }, 'podSecurityContext.runAsUser:'],
    ['a lower-case capability', { securityContext: { capabilities: { drop: ['net_admin'] } } }, 'securityContext.capabilities.drop[0]: must be a Linux capability'],
    ['adding SYS_ADMIN', { securityContext: { capabilities: { add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] } } }, 'securityContext.capabilities.add[1]: Invalid option'],
    ['adding SYS_MODULE', { securityContext: { capabilities: { add: ['SYS_MODULE'] } } }, 'securityContext.capabilities.add[0]: Invalid option'],
    ['an Unconfined seccomp profile on the container', { securityContext: { seccompProfile: { type: 'Unconfined' } } }, 'securityContext.seccompProfile.type: Invalid option'],
    ['an Unconfined seccomp profile on the Pod', { podSecurityContext: { seccompProfile: { type: 'Unconfined' } } }, 'podSecurityContext.seccompProfile.type: Invalid option'],
    [
      'an AppArmor annotation',
      { annotations: { 'container.apparmor.security.beta.kubernetes.io/step': 'unconfined' } },
      `annotations.container.apparmor.security.beta.kubernetes.io/step: "container.apparmor.security.beta.kubernetes.io/step" would loosen the Pod's confinement`,
    ],
    ['the legacy seccomp annotation', { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } }, "would loosen the Pod's confinement"],
    ['the controller\'s run-uid label', { labels: { 'orchestration.proompteng.ai/run-uid': 'x' } }, 'labels.orchestration.proompteng.ai/run-uid: "orchestration.proompteng.ai/run-uid" is set by the controller on its Jobs and Pods; reserved are orchestration.proompteng.ai/*, batch.kubernetes.io/*, app.kubernetes.io/managed-by, controller-uid, job-name'],
    ['the managed-by label', { labels: { 'app.kubernetes.io/managed-by': 'me' } }, 'labels.app.kubernetes.io/managed-by: "app.kubernetes.io/managed-by" is set by the controller'],
    ['the Job controller\'s job-name label', { labels: { 'job-name': 'x' } }, 'labels.job-name: "job-name" is set by the controller'],
    ['the run-name annotation', { annotations: { 'orchestration.proompteng.ai/run-name': 'x' } }, 'annotations.orchestration.proompteng.ai/run-name: "orchestration.proompteng.ai/run-name" is set by the controller'],
    ['a label value over 63 characters', { labels: { team: 'x'.repeat(64) } }, 'labels.team: Too big'],
    ['33 labels', { labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, 'x'])) }, 'labels: at most 32 entries, not 33'],
  ])('refuses %s, naming it', (_, fields, message) => {
    const found = problems({ image: 'busybox', ...(fields as object) });
    expect(found.join('\n')).toContain(message);
  });
});

describe('stepJobManifest with a real workload', () => {
  const run = { namespace: 'team-a', name: 'nightly', uid: '6f1c2a7e-0000-4000-8000-000000000001' };
  const manifest = stepJobManifest({ run, step: 'backup', attempt: 1, job: workload, timeoutSeconds: 600 }, 600);
  const pod = manifest.spec.template;
  const container = pod.spec.containers[0]!;

  it('passes Secrets and ConfigMaps as references, and quantities as strings', () => {
    expect(container.env).toEqual([
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } },
      { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'site', key: 'region', optional: true } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'TEAM', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
      { name: 'MEMORY_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CORES', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1' } } },
      { name: 'PLAIN', value: 'x' },
    ]);
    expect(container.envFrom).toEqual(workload.envFrom);
    expect(container.volumeMounts).toEqual(workload.volumeMounts);
    expect(container.securityContext).toEqual(workload.securityContext);
  });

  it('gives the Pod its ServiceAccount, volumes, placement, pull secrets and securityContext', () => {
    expect(pod.spec).toMatchObject({
      serviceAccountName: 'backup',
      nodeSelector: workload.nodeSelector,
      tolerations: workload.tolerations,
      affinity: workload.affinity,
      imagePullSecrets: [{ name: 'registry-pull' }],
      securityContext: workload.podSecurityContext,
    });
    expect(pod.spec.volumes).toEqual([
      workload.volumes![0],
      { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      workload.volumes![2],
      workload.volumes![3],
    ]);
  });

  it("adds the step's labels and annotations to the Pod beside the controller's, which still find it", () => {
    expect(pod.metadata.labels).toEqual({ ...workload.labels, ...manifest.metadata.labels });
    expect(pod.metadata.annotations).toEqual(workload.annotations);
    // The Job itself keeps only the controller's labels.
    expect(manifest.metadata.labels).not.toHaveProperty('team');
  });

  it("keeps the controller's labels even if a spec that bypassed the schema tried to shadow one", () => {
    const sneaky = stepJobManifest({ run, step: 'backup', attempt: 1, job: { image: 'busybox', labels: { 'orchestration.proompteng.ai/run-uid': 'someone-else' } }, timeoutSeconds: 60 }, 600);
    expect(sneaky.spec.template.metadata.labels['orchestration.proompteng.ai/run-uid']).toBe(run.uid);
  });

  it('leaves out what the step did not set', () => {
    const plain = stepJobManifest({ run, step: 'b', attempt: 1, job: { image: 'busybox' }, timeoutSeconds: 60 }, 600);
    expect(Object.keys(plain.spec.template.spec).sort()).toEqual(['containers', 'restartPolicy']);
    expect(Object.keys(plain.spec.template.spec.containers[0]!).sort()).toEqual(['image', 'name', 'terminationMessagePolicy']);
    expect(plain.spec.template.metadata).not.toHaveProperty('annotations');
  });
});
