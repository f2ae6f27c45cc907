/**
 * Which destinations `http` steps may reach: the rules and their evaluation, with no I/O. A destination is
 * the name a step asked for and the address the worker connects to; host rules match the name, address
 * rules (IPs and CIDRs, through node's BlockList) match the address.
 *
 * Precedence, first match decides:
 *   1. HTTP_STEP_DENIED_DESTINATIONS: refused; nothing overrides the operator's deny list.
 *   2. The worker's own control plane (its Temporal frontend, the Temporal UI, the Kubernetes API): refused;
 *      no allow entry opens them, since through them a step would act with the worker's reach, not its own.
 *   3. HTTP_STEP_ALLOWED_DESTINATIONS: allowed; this is how the default denies below are opened (loopback,
 *      link-local and unspecified addresses only by an IP or CIDR entry, not by a name).
 *   4. The default denies: loopback, link-local (cloud metadata), unspecified, private ranges.
 *   5. Anything else: HTTP_STEP_UNLISTED_DESTINATIONS (allow by default; deny for a strict allow list).
 */
import { BlockList, isIP } from 'node:net';

export const ALLOWED_VARIABLE = 'HTTP_STEP_ALLOWED_DESTINATIONS';
export const DENIED_VARIABLE = 'HTTP_STEP_DENIED_DESTINATIONS';
export const UNLISTED_VARIABLE = 'HTTP_STEP_UNLISTED_DESTINATIONS';

/** Where a step's request goes: the host of its URL, the address connected, the port. */
export interface Destination {
  /** As in the URL, lowercased, without a trailing dot or IPv6 brackets. */
  host: string;
  address: string;
  port: number;
}

/** One entry of a list: how it was written, and what it matches. */
export interface DestinationRule {
  text: string;
  /** A host or *.suffix entry: it matches the name asked for, whatever that name resolves to. */
  byName?: boolean;
  matches(destination: Destination, endpointAddresses?: ReadonlyMap<string, readonly string[]>): boolean;
}

/** A named rule of the fence (a default, a control-plane endpoint, an operator's entry). */
export interface FenceRule extends DestinationRule {
  name: string;
  /**
   * For a default deny: whether an allow entry by name opens it. Private ranges, yes (in-cluster services are
   * allowed by name); loopback, link-local and unspecified only by address, so that a name whose DNS a tenant
   * controls cannot point an allowed wildcard at the metadata service or the worker's own loopback.
   */
  openedByName?: boolean;
}

/** A control-plane endpoint; its host, when a name, is resolved by the caller to compare addresses too. */
export interface Endpoint {
  name: string;
  host: string;
  port: number;
}

export interface FencePolicy {
  allowed: readonly DestinationRule[];
  denied: readonly DestinationRule[];
  unlisted: 'allow' | 'deny';
  /** Endpoints the worker itself uses; they match by host and port, or by any address their host resolves to and port. */
  controlPlane: readonly Endpoint[];
  /** Host names that always mean the Kubernetes API, on any port. */
  controlPlaneNames?: readonly FenceRule[];
}

/** A refusal names its rule twice: `kind` alone (for a metric label), and `rule` with the entry that matched. */
export type Verdict = { allowed: true; rule?: string } | { allowed: false; kind: string; rule: string; hint: string };

const normalHost = (host: string) => host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');

function blockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

function addressRule(text: string, cidrs: readonly string[], port?: number): DestinationRule {
  const list = blockList(cidrs);
  return { text, matches: (d) => (port === undefined || d.port === port) && list.check(d.address, isIP(d.address) === 6 ? 'ipv6' : 'ipv4') };
}

const DEFAULT_RANGES: readonly (readonly [name: string, cidr: string])[] = [
  // Cloud metadata services outside link-local (AWS IMDS over IPv6, Alibaba Cloud): listed before the private
  // ranges they sit in, so that a name cannot open them.
  ['metadata', 'fd00:ec2::254/128'],
  ['metadata', '100.100.100.200/32'],
  ['loopback', '127.0.0.0/8'],
  ['loopback', '::1/128'],
  // 169.254.169.254 is the cloud metadata service (instance credentials).
  ['link-local', '169.254.0.0/16'],
  ['link-local', 'fe80::/10'],
  ['unspecified', '0.0.0.0/8'],
  ['unspecified', '::/128'],
  ['private', '10.0.0.0/8'],
  ['private', '172.16.0.0/12'],
  ['private', '192.168.0.0/16'],
  // Shared address space: some clusters' Pod and Service networks.
  ['private', '100.64.0.0/10'],
  ['private', 'fc00::/7'],
];

/** The default denies, one per range, so a refusal names the range that matched. */
export const DEFAULT_DENIED: readonly FenceRule[] = DEFAULT_RANGES.map(([name, cidr]) => ({ name, openedByName: name === 'private', ...addressRule(cidr, [cidr]) }));

/** The in-cluster names of the Kubernetes API, on any port: kubernetes, kubernetes.default, kubernetes.default.svc[.<cluster domain>]. */
export const KUBERNETES_NAMES: FenceRule = {
  name: 'kubernetes-api',
  text: 'kubernetes.default.svc',
  matches: (d) => ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc'].includes(d.host) || d.host.startsWith('kubernetes.default.svc.'),
};

const PORT = /^(.*):(\d{1,5})$/;

function parsePort(text: string): number {
  const port = Number(text);
  if (port < 1 || port > 65535) throw new Error(`port ${text} is not in 1-65535`);
  return port;
}

/** A host name as a URL would carry it (lowercased, punycode), or an Error saying why not. */
function hostName(text: string): string {
  let url: URL;
  try {
    url = new URL(`http://${text}/`);
  } catch {
    throw new Error('not a host name');
  }
  if (url.username || url.password || url.port || url.pathname !== '/' || url.search || url.hash || url.hostname === '') throw new Error('not a host name');
  return normalHost(url.hostname);
}

/**
 * One list entry: `host`, `*.suffix` (any name ending in .suffix, not the suffix itself), an IP, a CIDR,
 * each but a CIDR optionally with `:port` (`[v6]:port` for IPv6). Throws an Error naming the entry.
 */
export function parseDestinationRule(entry: string): DestinationRule {
  const text = entry.trim();
  try {
    if (text.includes('/')) {
      const [address, prefix, ...rest] = text.split('/');
      const family = isIP(address ?? '');
      const bits = Number(prefix);
      if (rest.length > 0 || family === 0 || !/^\d{1,3}$/.test(prefix ?? '') || bits > (family === 4 ? 32 : 128)) throw new Error('not a CIDR (address/prefix length)');
      return addressRule(text, [`${address}/${bits}`]);
    }
    if (isIP(text) !== 0) return addressRule(text, [text]);
    const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
    if (bracketed) {
      if (isIP(bracketed[1]!) !== 6) throw new Error('not an IPv6 address in brackets');
      return addressRule(text, [bracketed[1]!], bracketed[2] !== undefined ? parsePort(bracketed[2]) : undefined);
    }
    const withPort = PORT.exec(text);
    const hostPart = withPort ? withPort[1]! : text;
    const port = withPort ? parsePort(withPort[2]!) : undefined;
    if (isIP(hostPart) === 4) return addressRule(text, [hostPart], port);
    const portMatches = (d: Destination) => port === undefined || d.port === port;
    if (hostPart.startsWith('*.')) {
      const suffix = hostName(hostPart.slice(2));
      return { text, byName: true, matches: (d) => portMatches(d) && d.host.endsWith(`.${suffix}`) };
    }
    if (hostPart.includes('*')) throw new Error('a wildcard is only allowed as a leading "*."');
    const host = hostName(hostPart);
    return { text, byName: true, matches: (d) => portMatches(d) && d.host === host };
  } catch (err) {
    throw new Error(`"${text}" is not a destination (host, *.suffix, IP or CIDR, optionally :port): ${(err as Error).message}`, { cause: err });
  }
}

function endpointRule(endpoint: Endpoint): FenceRule {
  const host = normalHost(endpoint.host);
  const shown = isIP(host) === 6 ? `[${host}]:${endpoint.port}` : `${host}:${endpoint.port}`;
  return {
    name: endpoint.name,
    text: shown,
    matches: (d, resolved) => d.port === endpoint.port && (d.host === host || sameAddress(d.address, host) || (resolved?.get(host) ?? []).some((a) => sameAddress(d.address, a))),
  };
}

/** Equal addresses, an IPv4-mapped IPv6 address equal to its IPv4 one. */
function sameAddress(a: string, b: string): boolean {
  if (isIP(a) === 0 || isIP(b) === 0) return false;
  return addressRule(b, [b]).matches({ host: '', address: a, port: 0 });
}

/** The verdict on one destination. `endpointAddresses`: what each control-plane host name resolves to now. */
export function judge(destination: Destination, policy: FencePolicy, endpointAddresses?: ReadonlyMap<string, readonly string[]>): Verdict {
  const d = { ...destination, host: normalHost(destination.host) };
  const denied = policy.denied.find((r) => r.matches(d));
  if (denied) return { allowed: false, kind: DENIED_VARIABLE, rule: `${DENIED_VARIABLE} ${denied.text}`, hint: `remove it from ${DENIED_VARIABLE} to allow it` };
  const controlPlane = [...policy.controlPlane.map(endpointRule), ...(policy.controlPlaneNames ?? [])].find((r) => r.matches(d, endpointAddresses));
  if (controlPlane) return { allowed: false, kind: controlPlane.name, rule: `${controlPlane.name} ${controlPlane.text}`, hint: "the worker's own Temporal and Kubernetes endpoints are never open to http steps" };
  const byDefault = DEFAULT_DENIED.find((r) => r.matches(d));
  const allowed = policy.allowed.find((r) => r.matches(d) && !(r.byName && byDefault && !byDefault.openedByName));
  if (allowed) return { allowed: true, rule: `${ALLOWED_VARIABLE} ${allowed.text}` };
  if (byDefault) {
    const how = byDefault.openedByName ? '' : ' (by address: a name does not open loopback, link-local, metadata or unspecified addresses)';
    return { allowed: false, kind: byDefault.name, rule: `${byDefault.name} ${byDefault.text}`, hint: `allow it with ${ALLOWED_VARIABLE}${how}` };
  }
  if (policy.unlisted === 'deny') return { allowed: false, kind: UNLISTED_VARIABLE, rule: `${UNLISTED_VARIABLE}=deny`, hint: `allow it with ${ALLOWED_VARIABLE}` };
  return { allowed: true };
}

/** `127.0.0.1:7233 (temporal.local)`: the address and port connected, and the name asked for when it differs. */
export function describeDestination(d: Destination): string {
  const address = isIP(d.address) === 6 ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
  return normalHost(d.host) === d.address ? address : `${address} (${d.host})`;
}

/** The step's failure message for a refused destination. */
export function refusalMessage(d: Destination, verdict: Extract<Verdict, { allowed: false }>): string {
  return `http step refused: ${describeDestination(d)} is denied by rule ${verdict.rule}; ${verdict.hint}`;
}
