// What kubectl-orch says for the apiserver's errors: the shapes are the apiserver's (a Status for a missing
// object, a bare text 404 for a resource type it does not serve, a Status for a denied verb).
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { explain, userKubeConfig } from '../../cli/kube.js';

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

  it('names a namespace that does not exist instead of blaming the CRDs', () => {
    const status = { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, details: { name: 'nope', kind: 'namespaces' }, message: 'namespaces "nope" not found' };
    expect(explain(new ApiException(404, 'Not Found', JSON.stringify(status), {}), { verb: 'create', plural: 'orchestrationruns', namespace: 'nope' }).message).toBe('namespace nope not found');
  });

  it('says in one line, naming the server, that it cannot be reached', () => {
    const server = 'https://10.0.0.1:6443';
    const at = { ...action, server };
    const refused = Object.assign(new Error(`request to ${server}/apis failed, reason: connect ECONNREFUSED 10.0.0.1:6443`), { type: 'system', code: 'ECONNREFUSED' });
    expect(explain(refused, at).message).toBe(`cannot reach the Kubernetes API server at ${server} (connection refused, ECONNREFUSED): is the cluster up, and is this the right kubeconfig context?`);
    const unknownHost = Object.assign(new Error('request to https://nope/apis failed, reason: getaddrinfo ENOTFOUND nope'), { code: 'ENOTFOUND' });
    expect(explain(unknownHost, at).message).toMatch(/^cannot reach the Kubernetes API server at https:\/\/10\.0\.0\.1:6443 \(no such host, ENOTFOUND\)/);
    const tls = Object.assign(new Error(`request to ${server}/apis failed, reason: self-signed certificate`), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(explain(tls, at).message).toBe(`cannot reach the Kubernetes API server at ${server} (TLS: self-signed certificate, DEPTH_ZERO_SELF_SIGNED_CERT): is the cluster up, and is this the right kubeconfig context?`);
    for (const err of [refused, unknownHost, tls]) expect(explain(err, at).message).not.toContain('\n');
  });

  it("names the watch verb of a watch refused with 403 (client-node's Watch rejects with a statusCode, not an ApiException)", () => {
    const forbidden = Object.assign(new Error('Forbidden'), { statusCode: 403 });
    expect(explain(forbidden, { ...action, verb: 'watch' }).message).toBe('no access: you may not watch orchestrationruns.orchestration.proompteng.ai in namespace ci');
  });

  it('says there is no kubeconfig, and which paths it tried', () => {
    const none = join('/nonexistent', 'kubeconfig');
    expect(() => userKubeConfig(undefined, { KUBECONFIG: `${none}:${none}-2` })).toThrow(`no kubeconfig: tried $KUBECONFIG (${none}, ${none}-2), and this is not a Pod with a service account; set KUBECONFIG or pass --kubeconfig FILE`);
    expect(() => userKubeConfig(undefined, { HOME: '/nonexistent' }, '/nonexistent')).toThrow('no kubeconfig: tried /nonexistent/.kube/config, and this is not a Pod with a service account; set KUBECONFIG or pass --kubeconfig FILE');
  });
});
