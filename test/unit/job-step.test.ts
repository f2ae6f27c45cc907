// A job step's Job: its name is stable per attempt and a valid Kubernetes name, and its manifest carries
// what the issue promises (labels, owner, no Job-level retries, deadline, TTL); its outcome is read from the Pod.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { jobOutcome } from '../../activities/jobs/outcome.js';
import { DNS1123_LABEL, jobNameFor, stepJobManifest } from '../../core/index.js';

const run = { namespace: 'team-a', name: 'nightly', uid: '6f1c2a7e-0000-4000-8000-000000000001' };

describe('jobNameFor', () => {
  it('is the same for the same run, step and attempt, and differs per attempt, step and run uid', () => {
    expect(jobNameFor(run, 'build', 1)).toBe(jobNameFor(run, 'build', 1));
    expect(jobNameFor(run, 'build', 1)).toMatch(/^nightly-build-[0-9a-z]{7}-1$/);
    const others = [jobNameFor(run, 'build', 2), jobNameFor(run, 'test', 1), jobNameFor({ ...run, uid: 'another-uid' }, 'build', 1)];
    expect(new Set([jobNameFor(run, 'build', 1), ...others]).size).toBe(4);
  });

  it('stays a DNS-1123 label of at most 63 characters for long and dotted run names, distinct per step', () => {
    const long = { ...run, name: `release.${'x'.repeat(240)}` };
    const a = jobNameFor(long, `${'s'.repeat(62)}a`, 100);
    const b = jobNameFor(long, `${'s'.repeat(62)}b`, 100);
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(DNS1123_LABEL);
    }
    expect(a).not.toBe(b);
  });
});

describe('stepJobManifest', () => {
  const manifest = stepJobManifest(
    { run, step: 'build', attempt: 2, job: { image: 'busybox', command: ['sh', '-c', 'true'], resources: { limits: { cpu: 1, memory: '64Mi' } } }, timeoutSeconds: 90 },
    600,
  );

  it('labels the Job and its Pod with run, run uid, step and attempt, and makes the run its owner', () => {
    const labels = {
      'orchestration.proompteng.ai/run-uid': run.uid,
      'orchestration.proompteng.ai/run': 'nightly',
      'orchestration.proompteng.ai/step': 'build',
      'orchestration.proompteng.ai/attempt': '2',
    };
    expect(manifest.metadata.labels).toMatchObject(labels);
    expect(manifest.spec.template.metadata.labels).toMatchObject(labels);
    expect(manifest.metadata.ownerReferences).toEqual([
      { apiVersion: 'orchestration.proompteng.ai/v1alpha1', kind: 'OrchestrationRun', name: 'nightly', uid: run.uid, controller: true },
    ]);
  });

  it('leaves retries to Temporal, bounds the attempt by the step timeout and keeps the finished Job for the TTL', () => {
    expect(manifest.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 90, ttlSecondsAfterFinished: 600 });
    expect(manifest.spec.template.spec.restartPolicy).toBe('Never');
    expect(manifest.spec.template.spec.containers[0]).toMatchObject({ name: 'step', image: 'busybox', resources: { limits: { cpu: '1', memory: '64Mi' } } });
  });

  it("gives the Pod the run's grace period to stop on a cancel, and Kubernetes' default when the run sets none", () => {
    const request = { run, step: 'build', attempt: 1, job: { image: 'busybox' }, timeoutSeconds: 60 };
    expect(stepJobManifest({ ...request, cancelGraceSeconds: 15 }, 600).spec.template.spec.terminationGracePeriodSeconds).toBe(15);
    expect(stepJobManifest(request, 600).spec.template.spec).not.toHaveProperty('terminationGracePeriodSeconds');
  });

  it('omits the run label, not the Job, when the run name is longer than a label value may be', () => {
    const long = stepJobManifest({ run: { ...run, name: 'n'.repeat(100) }, step: 'build', attempt: 1, job: { image: 'busybox' }, timeoutSeconds: 1 }, 1);
    expect(long.metadata.labels['orchestration.proompteng.ai/run']).toBeUndefined();
    expect(long.metadata.annotations['orchestration.proompteng.ai/run-name']).toBe('n'.repeat(100));
  });
});

describe('jobOutcome', () => {
  const job = (type?: 'Complete' | 'Failed', reason?: string): V1Job => ({
    metadata: { name: 'j' },
    status: type ? { conditions: [{ type, status: 'True', reason, message: `${reason} message` }] } : {},
  });
  const pod = (exitCode: number, reason: string, message?: string, created = '2026-01-01T00:00:00Z'): V1Pod => ({
    metadata: { creationTimestamp: new Date(created) },
    status: { containerStatuses: [{ name: 'step', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason, message } } }] },
  });

  it('is undefined while the Job runs', () => {
    expect(jobOutcome(job(), [])).toBeUndefined();
  });

  it('a completed Job succeeds with the termination message as output', () => {
    expect(jobOutcome(job('Complete'), [pod(0, 'Completed', 'hello')])).toEqual({ result: 'succeeded', message: 'Job j completed: container "step" exited with code 0 (Completed)', output: 'hello' });
  });

  it('a failed Job fails with the Pod reason, exit code and termination message', () => {
    expect(jobOutcome(job('Failed', 'BackoffLimitExceeded'), [pod(3, 'Error', 'disk full')])).toEqual({
      result: 'failed',
      reason: 'Error',
      message: 'Job j failed: container "step" exited with code 3 (Error)',
      output: 'disk full',
    });
  });

  it('a deadline names DeadlineExceeded, and a Job failed without a terminated Pod names the Job condition', () => {
    expect(jobOutcome(job('Failed', 'DeadlineExceeded'), [pod(137, 'Error')])).toMatchObject({ result: 'failed', reason: 'DeadlineExceeded' });
    expect(jobOutcome(job('Failed', 'BackoffLimitExceeded'), [])).toEqual({
      result: 'failed',
      reason: 'BackoffLimitExceeded',
      message: 'Job j failed: BackoffLimitExceeded: BackoffLimitExceeded message',
    });
  });

  it('reads the newest Pod, and a completed Job whose Pod is gone is missing, not a success without output', () => {
    expect(jobOutcome(job('Complete'), [pod(0, 'Completed', 'old', '2026-01-01T00:00:00Z'), pod(0, 'Completed', 'new', '2026-01-01T00:01:00Z')])).toMatchObject({ output: 'new' });
    expect(jobOutcome(job('Complete'), [])).toMatchObject({ result: 'missing' });
  });
});
