import { RecentMap } from '../recent-map';

/**
 * What this process has seen refused with 429, and until when: client IPs (requests without valid
 * credentials) and bearer tokens (a principal over its limit). The rate limiter records them; the standalone
 * server's gate reads them before a body is parsed, so a client already over its limit costs no parsing.
 * Bounded: an entry dropped from here is still limited by the counters themselves, just after its body is read.
 */
export class AnonymousBlocks {
  private readonly ips = new RecentMap<string, number>(10_000);
  private readonly tokens = new RecentMap<string, number>(10_000);

  block(ip: string, seconds: number): void {
    this.ips.set(ip, Date.now() + seconds * 1000);
  }

  /** Seconds left of the IP's block, or 0. */
  blockedFor(ip: string): number {
    return left(this.ips, ip);
  }

  blockToken(token: string, seconds: number): void {
    this.tokens.set(token, Date.now() + seconds * 1000);
  }

  /** Seconds left of the bearer token's block (its principal is over its limit), or 0. */
  tokenBlockedFor(token: string): number {
    return left(this.tokens, token);
  }
}

function left(blocks: RecentMap<string, number>, key: string): number {
  const until = blocks.get(key);
  if (until === undefined) return 0;
  const ms = until - Date.now();
  if (ms > 0) return Math.ceil(ms / 1000);
  blocks.delete(key);
  return 0;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header (as the auth guard reads it), or undefined. */
export function bearerToken(header: unknown): string | undefined {
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}
