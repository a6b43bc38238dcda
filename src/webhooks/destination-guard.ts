import * as ipaddr from 'ipaddr.js';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

/** Where a webhook may go: API.md 10 (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE). */
export interface DestinationPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

/**
 * Whether an address may receive webhooks: only public unicast addresses, as ipaddr.js classifies them
 * (everything else: loopback, private, link-local (169.254.169.254, the cloud metadata address, among them),
 * unique-local (fd00:ec2::254), carrier-grade NAT (100.100.100.200), multicast, unspecified, reserved, and
 * IPv4 addresses wrapped in IPv6 by their IPv4 class) unless `allowPrivate`.
 */
export function addressAllowed(address: string, policy: Pick<DestinationPolicy, 'allowPrivate'>): boolean {
  if (policy.allowPrivate) return true;
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

/** A URL's problem as a user-facing sentence, or null when it may be used (the address is checked apart). */
export function urlProblem(url: URL, policy: DestinationPolicy): string | null {
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    return policy.allowHttp ? 'url must be an http or https URL' : 'url must be an https URL';
  }
  if (url.username || url.password) return 'url must not carry credentials';
  return null;
}

/** The hostname as an IP literal (IPv6 without brackets), or null when it is a name. */
function literalAddress(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : null;
}

/**
 * At creation and update: the URL's scheme, and every address its host resolves to now (400 when any is not
 * allowed). Resolves to the sentence of the problem, or null.
 */
export async function destinationProblem(raw: string, policy: DestinationPolicy): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute URL';
  }
  const problem = urlProblem(url, policy);
  if (problem) return problem;
  if (policy.allowPrivate) return null;
  const literal = literalAddress(url);
  if (literal) return addressAllowed(literal, policy) ? null : 'destination not allowed: a loopback, private, link-local or otherwise non-public address';
  let addresses: LookupAddress[];
  try {
    addresses = await new Promise((resolve, reject) => dnsLookup(url.hostname, { all: true }, (err, list) => (err ? reject(err) : resolve(list))));
  } catch {
    return 'url host does not resolve';
  }
  if (addresses.length === 0) return 'url host does not resolve';
  return addresses.every((a) => addressAllowed(a.address, policy)) ? null : 'destination not allowed: the host resolves to a non-public address';
}

export class DestinationNotAllowed extends Error {
  readonly code = 'EDESTINATION';
  constructor() {
    super('destination not allowed');
  }
}

/**
 * A `lookup` for http(s).request that hands the socket only allowed addresses: the address a delivery connects
 * to is the one checked (DNS may answer differently than at creation). IP literals never reach a lookup, so
 * `checkLiteral` covers them before the request.
 */
export function guardedLookup(policy: DestinationPolicy): LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number }, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, list) => {
      if (err) return callback(err);
      const allowed = list.filter((a) => addressAllowed(a.address, policy));
      if (allowed.length === 0) return callback(new DestinationNotAllowed());
      if (options.all) return callback(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  }) as unknown as LookupFunction;
}

/** Throws DestinationNotAllowed when the URL's host is an IP literal that is not allowed. */
export function checkLiteral(url: URL, policy: DestinationPolicy): void {
  const literal = literalAddress(url);
  if (literal && !addressAllowed(literal, policy)) throw new DestinationNotAllowed();
}
