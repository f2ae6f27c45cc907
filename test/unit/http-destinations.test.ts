// The http step's fence as pure rules: which destination a list entry matches, the default denies, the
// worker's own control plane, the precedence of the lists, and the refusal a user reads.
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { judge, parseDestinationRule, refusalMessage, type Destination, type FencePolicy } from '../../activities/builtins/http-destinations.js';
import { DEFAULT_HTTP_FENCE_SETTINGS, httpFencePolicy, loadWorkerConfig } from '../../worker/config.js';

const at = (host: string, address: string, port = 443): Destination => ({ host, address, port });

describe('parseDestinationRule', () => {
  it.each([
    ['api.example.com', at('api.example.com', '203.0.113.5'), true],
    ['API.Example.com.', at('api.example.com', '203.0.113.5'), true],
    ['api.example.com', at('www.example.com', '203.0.113.5'), false],
    ['api.example.com:8443', at('api.example.com', '203.0.113.5', 8443), true],
    ['api.example.com:8443', at('api.example.com', '203.0.113.5', 443), false],
    ['*.svc.cluster.local', at('hooks.ci.svc.cluster.local', '10.96.4.2'), true],
    ['*.svc.cluster.local', at('svc.cluster.local', '10.96.4.2'), false],
    ['*.svc.cluster.local', at('evilsvc.cluster.local', '10.96.4.2'), false],
    ['10.0.0.0/8', at('anything', '10.20.30.40'), true],
    ['10.0.0.0/8', at('anything', '11.0.0.1'), false],
    ['10.0.0.0/8', at('anything', '::ffff:10.1.2.3'), true],
    ['127.0.0.1', at('localhost', '127.0.0.1'), true],
    ['127.0.0.1', at('localhost', '127.0.0.2'), false],
    ['127.0.0.1:8080', at('127.0.0.1', '127.0.0.1', 8080), true],
    ['127.0.0.1:8080', at('127.0.0.1', '127.0.0.1', 7233), false],
    ['2001:db8::/32', at('v6.example', '2001:db8::1'), true],
    ['2001:db8::/32', at('v6.example', '2001:db9::1'), false],
    ['::1', at('localhost', '::1'), true],
    ['[::1]:8080', at('localhost', '::1', 8080), true],
    ['[::1]:8080', at('localhost', '::1', 80), false],
  ])('%s matches %j: %s', (entry, destination, expected) => {
    expect(parseDestinationRule(entry).matches(destination)).toBe(expected);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/x', 'fe80::/129', '300.1.2.3/8', 'exa mple.com', 'a.*.example.com', 'http://example.com', 'example.com:0', 'example.com:70000', '[10.0.0.1]:80', 'user@example.com'])(
    'refuses %j, naming it',
    (entry) => {
      expect(() => parseDestinationRule(entry)).toThrow(`"${entry}" is not a destination`);
    },
  );
});

const policy = (over: Partial<FencePolicy> = {}): FencePolicy => ({ allowed: [], denied: [], unlisted: 'allow', controlPlane: [], ...over });
const rules = (...entries: string[]) => entries.map(parseDestinationRule);

describe('judge: the default denies', () => {
  it.each([
    ['127.0.0.1', 'loopback 127.0.0.0/8'],
    ['127.8.9.10', 'loopback 127.0.0.0/8'],
    ['::1', 'loopback ::1/128'],
    ['::ffff:127.0.0.1', 'loopback 127.0.0.0/8'],
    ['169.254.169.254', 'link-local 169.254.0.0/16'],
    ['::ffff:169.254.169.254', 'link-local 169.254.0.0/16'],
    ['fe80::1', 'link-local fe80::/10'],
    ['0.0.0.0', 'unspecified 0.0.0.0/8'],
    ['::', 'unspecified ::/128'],
    ['10.96.0.1', 'private 10.0.0.0/8'],
    ['172.20.1.1', 'private 172.16.0.0/12'],
    ['192.168.1.1', 'private 192.168.0.0/16'],
    ['100.64.0.10', 'private 100.64.0.0/10'],
    ['fd12::1', 'private fc00::/7'],
    ['fd00:ec2::254', 'metadata fd00:ec2::254/128'],
    ['100.100.100.200', 'metadata 100.100.100.200/32'],
  ])('%s is refused by rule %s', (address, rule) => {
    const opened = rule.startsWith('private') ? 'by name or address' : 'by address only';
    const hint = opened === 'by name or address' ? 'allow it with HTTP_STEP_ALLOWED_DESTINATIONS' : 'allow it with HTTP_STEP_ALLOWED_DESTINATIONS (by address: a name does not open loopback, link-local, metadata or unspecified addresses)';
    expect(judge(at('h', address), policy())).toEqual({ allowed: false, kind: rule.split(' ')[0], rule, hint });
  });

  it.each(['203.0.113.5', '172.32.0.1', '2001:db8::1', '::ffff:8.8.8.8'])('%s, a public address, is allowed', (address) => {
    expect(judge(at('h', address), policy()).allowed).toBe(true);
  });

  it('HTTP_STEP_UNLISTED_DESTINATIONS=deny refuses what no list names', () => {
    expect(judge(at('h', '203.0.113.5'), policy({ unlisted: 'deny' }))).toMatchObject({ allowed: false, rule: 'HTTP_STEP_UNLISTED_DESTINATIONS=deny' });
    expect(judge(at('api.example.com', '203.0.113.5'), policy({ unlisted: 'deny', allowed: rules('api.example.com') })).allowed).toBe(true);
  });
});

describe('judge: precedence', () => {
  it('a name under an allowed wildcard does not open a metadata service inside a private range', () => {
    const wildcard = policy({ allowed: rules('*.example.com') });
    expect(judge(at('meta.example.com', 'fd00:ec2::254'), wildcard)).toMatchObject({ allowed: false, kind: 'metadata' });
    expect(judge(at('meta.example.com', '100.100.100.200'), wildcard)).toMatchObject({ allowed: false, kind: 'metadata' });
    expect(judge(at('svc.example.com', '10.1.2.3'), wildcard).allowed).toBe(true);
  });

  it('the allow list opens a default deny, by address or by name', () => {
    expect(judge(at('127.0.0.1', '127.0.0.1', 8080), policy({ allowed: rules('127.0.0.1') }))).toEqual({ allowed: true, rule: 'HTTP_STEP_ALLOWED_DESTINATIONS 127.0.0.1' });
    expect(judge(at('hooks.ci.svc.cluster.local', '10.96.4.2'), policy({ allowed: rules('*.svc.cluster.local') })).allowed).toBe(true);
    // Another name on the same private address is still refused.
    expect(judge(at('db.internal', '10.96.4.2'), policy({ allowed: rules('*.svc.cluster.local') })).allowed).toBe(false);
  });

  it('a name opens a private address, but not loopback, link-local or unspecified: those only by address', () => {
    // A name in a zone a tenant can write (a wildcard) must not lead to the metadata service or the worker's loopback.
    expect(judge(at('meta.example.com', '169.254.169.254', 80), policy({ allowed: rules('*.example.com') }))).toMatchObject({ allowed: false, rule: 'link-local 169.254.0.0/16' });
    expect(judge(at('localhost', '127.0.0.1', 8080), policy({ allowed: rules('localhost') }))).toMatchObject({ allowed: false, rule: 'loopback 127.0.0.0/8' });
    expect(judge(at('localhost', '127.0.0.1', 8080), policy({ allowed: rules('127.0.0.1:8080') })).allowed).toBe(true);
    expect(judge(at('meta.example.com', '169.254.169.254', 80), policy({ allowed: rules('169.254.169.254') })).allowed).toBe(true);
    expect(judge(at('hooks.example.com', '10.1.2.3', 80), policy({ allowed: rules('*.example.com') })).allowed).toBe(true);
  });

  it('the deny list wins over the allow list', () => {
    const p = policy({ allowed: rules('10.0.0.0/8'), denied: rules('10.1.0.0/16') });
    expect(judge(at('h', '10.2.0.1'), p).allowed).toBe(true);
    expect(judge(at('h', '10.1.0.1'), p)).toEqual({ allowed: false, kind: 'HTTP_STEP_DENIED_DESTINATIONS', rule: 'HTTP_STEP_DENIED_DESTINATIONS 10.1.0.0/16', hint: 'remove it from HTTP_STEP_DENIED_DESTINATIONS to allow it' });
    expect(judge(at('api.example.com', '203.0.113.5'), policy({ denied: rules('*.example.com') })).allowed).toBe(false);
  });

  it("the worker's own control plane stays refused whatever the allow list says", () => {
    const p = policy({ allowed: rules('127.0.0.0/8', 'temporal.local'), controlPlane: [{ name: 'temporal-frontend', host: 'temporal.local', port: 7233 }] });
    const endpoints = new Map([['temporal.local', ['127.0.0.1']]]);
    // By name, or by the address the name resolves to, on its port.
    expect(judge(at('temporal.local', '127.0.0.1', 7233), p, endpoints)).toMatchObject({ allowed: false, rule: 'temporal-frontend temporal.local:7233' });
    expect(judge(at('127.0.0.1', '127.0.0.1', 7233), p, endpoints)).toMatchObject({ allowed: false, rule: 'temporal-frontend temporal.local:7233' });
    expect(judge(at('other.name', '::ffff:127.0.0.1', 7233), p, endpoints)).toMatchObject({ allowed: false, rule: 'temporal-frontend temporal.local:7233' });
    // Another port of the same address is the allow list's to decide.
    expect(judge(at('127.0.0.1', '127.0.0.1', 8080), p, endpoints).allowed).toBe(true);
  });
});

describe('httpFencePolicy: the control plane of a worker', () => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443' }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  const p = httpFencePolicy(
    { ...DEFAULT_HTTP_FENCE_SETTINGS, allowed: rules('127.0.0.0/8', '10.0.0.0/8'), temporalUiUrl: 'http://temporal-ui.temporal.svc:8080' },
    { temporalAddress: 'temporal-frontend.temporal.svc:7233', kubeConfig: kc, env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' } },
  );

  it.each([
    [at('temporal-frontend.temporal.svc', '10.100.0.7', 7233), 'temporal-frontend temporal-frontend.temporal.svc:7233'],
    [at('temporal-ui.temporal.svc', '10.100.0.8', 8080), 'temporal-ui temporal-ui.temporal.svc:8080'],
    [at('temporal-frontend.temporal.svc', '10.100.0.7', 7243), 'temporal-http-api temporal-frontend.temporal.svc:7243'],
    [at('127.0.0.1', '127.0.0.1', 6443), 'kubernetes-api 127.0.0.1:6443'],
    [at('10.96.0.1', '10.96.0.1', 443), 'kubernetes-api 10.96.0.1:443'],
    [at('kubernetes.default.svc', '10.96.0.1', 443), 'kubernetes-api 10.96.0.1:443'],
    [at('kubernetes.default.svc.cluster.local', '10.96.0.9', 8443), 'kubernetes-api kubernetes.default.svc'],
    [at('kubernetes', '10.96.0.9', 80), 'kubernetes-api kubernetes.default.svc'],
  ])('%j is refused by rule %s', (destination, rule) => {
    expect(judge(destination, p)).toMatchObject({ allowed: false, rule, hint: "the worker's own Temporal and Kubernetes endpoints are never open to http steps" });
  });
});

describe('the refusal a user reads', () => {
  it('names the address and port, the host asked for, the rule, and how to allow it', () => {
    const d = at('temporal.local', '127.0.0.1', 7233);
    const verdict = judge(d, policy());
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) {
      expect(refusalMessage(d, verdict)).toBe('http step refused: 127.0.0.1:7233 (temporal.local) is denied by rule loopback 127.0.0.0/8; allow it with HTTP_STEP_ALLOWED_DESTINATIONS (by address: a name does not open loopback, link-local, metadata or unspecified addresses)');
    }
    const v6 = at('v6.internal', 'fd00::1', 80);
    const onV6 = judge(v6, policy());
    if (!onV6.allowed) expect(refusalMessage(v6, onV6)).toBe('http step refused: [fd00::1]:80 (v6.internal) is denied by rule private fc00::/7; allow it with HTTP_STEP_ALLOWED_DESTINATIONS');
  });
});

describe('loadWorkerConfig: the fence variables', () => {
  it('reads the lists, the unlisted policy and the Temporal UI', () => {
    const { httpFence } = loadWorkerConfig({
      HTTP_STEP_ALLOWED_DESTINATIONS: ' *.svc.cluster.local, 10.0.0.0/8 ,',
      HTTP_STEP_DENIED_DESTINATIONS: '10.1.0.0/16',
      HTTP_STEP_UNLISTED_DESTINATIONS: 'deny',
      TEMPORAL_UI_URL: 'http://temporal-ui:8080',
    });
    expect(httpFence.allowed.map((r) => r.text)).toEqual(['*.svc.cluster.local', '10.0.0.0/8']);
    expect(httpFence.denied.map((r) => r.text)).toEqual(['10.1.0.0/16']);
    expect(httpFence).toMatchObject({ unlisted: 'deny', temporalUiUrl: 'http://temporal-ui:8080' });
    expect(loadWorkerConfig({}).httpFence).toMatchObject({ allowed: [], denied: [], unlisted: 'allow' });
  });

  it.each([
    [{ HTTP_STEP_ALLOWED_DESTINATIONS: 'ok.example.com,10.0.0.0/40' }, /HTTP_STEP_ALLOWED_DESTINATIONS: "10\.0\.0\.0\/40" is not a destination/],
    [{ HTTP_STEP_DENIED_DESTINATIONS: 'a.*.example.com' }, /HTTP_STEP_DENIED_DESTINATIONS: "a\.\*\.example\.com" is not a destination/],
    [{ HTTP_STEP_UNLISTED_DESTINATIONS: 'block' }, /HTTP_STEP_UNLISTED_DESTINATIONS/],
    [{ TEMPORAL_UI_URL: 'ftp://ui' }, /TEMPORAL_UI_URL/],
  ])('rejects %j naming the variable and the entry', (env, message) => {
    expect(() => loadWorkerConfig(env)).toThrow(message);
  });
});
