// What kubectl-orch says for the apiserver's errors: the shapes are the apiserver's (a Status for a missing
// object, a bare text 404 for a resource type it does not serve, a Status for a denied verb).
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { explain } from '../../cli/kube.js';

const action = { verb: 'get', plural: 'orchestrationruns', name: 'build-1', namespace: 'ci' };

describe('explain', () => {
  it('names a missing run', () => {
    const status = JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, details: { name: 'build-1', group: 'orchestration.proompteng.ai', kind: 'orchestrationruns' }, message: 'orchestrationruns.orchestration.proompteng.ai "build-1" not found' });
    expect(explain(new ApiException(404, 'Unknown API Status Code!', status, {}), action).message).toBe('run build-1 not found in namespace ci');
  });

  it('says the CRDs are not installed, and how to install them, for a resource type the server does not serve', () => {
    const message = explain(new ApiException(404, 'Unknown API Status Code!', '404 page not found\n', {}), action).message;
    expect(message).toMatch(/^the server has no resource type orchestrationruns\.orchestration\.proompteng\.ai: the orchestration-bridge CRDs are not installed in this cluster; install them with `kubectl apply -f deploy\/install\.yaml`/);
  });

  it('names the verb and the resource of a 403', () => {
    const status = { kind: 'Status', reason: 'Forbidden', code: 403, message: 'orchestrationruns.orchestration.proompteng.ai is forbidden: User "system:serviceaccount:ci:x" cannot list resource "orchestrationruns"' };
    expect(explain(new ApiException(403, 'Forbidden', status, {}), { verb: 'list', plural: 'orchestrationruns' }).message).toBe(
      `no access: you may not list orchestrationruns.orchestration.proompteng.ai in any namespace (${status.message})`,
    );
    expect(explain(new ApiException(403, 'Forbidden', {}, {}), { verb: 'get', plural: 'pods/log', name: 'p', namespace: 'ci' }).message).toBe('no access: you may not get pods/log in namespace ci');
  });
});
