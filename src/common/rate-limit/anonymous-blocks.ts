import { RecentMap } from '../recent-map';

/**
 * Client IPs this process has seen refused with 429 for requests without valid credentials, and until when.
 * The rate limiter records them; the standalone server's anonymous gate reads them before a body is parsed,
 * so a client already over its limit costs no parsing. Bounded: an IP dropped from here is still limited by
 * the counters themselves, just after its body is read.
 */
export class AnonymousBlocks {
  private readonly until = new RecentMap<string, number>(10_000);

  block(ip: string, seconds: number): void {
    this.until.set(ip, Date.now() + seconds * 1000);
  }

  /** Seconds left of the IP's block, or 0. */
  blockedFor(ip: string): number {
    const until = this.until.get(ip);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.until.delete(ip);
    return 0;
  }
}
