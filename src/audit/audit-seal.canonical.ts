import { createHash, createHmac } from 'node:crypto';
import type { AuditRow } from './audit.service';

/**
 * Canonical JSON (API.md section 13): the value written with object keys sorted (by UTF-16 code units, as
 * JavaScript's default sort; the same as byte order for the ASCII keys entries have), no whitespace, strings
 * and numbers as JSON.stringify writes them (UTF-8; only `"`, `\` and control characters escaped), members
 * whose value is undefined left out. Arrays keep their order.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as Record<string, unknown>;
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
  return `{${members.join(',')}}`;
}

/**
 * The fields of an audit entry a seal covers: exactly these 14, named and written as GET /audit-logs and the
 * export answer them (`id` a number, `account_id` a string, `created` ISO 8601 in UTC with milliseconds, e.g.
 * `2026-12-01T14:30:00.123Z`; `data` and `requestHeaders` objects; absent values null). Fixed here, so a field
 * added to AuditEntry later does not change the seals already made.
 */
export function sealedEntry(r: AuditRow): Record<string, unknown> {
  return {
    account_id: String(r.account_id),
    apiKey: r.api_key_id,
    created: new Date(r.created_at).toISOString(),
    data: r.data,
    entityId: r.entity_id,
    entityType: r.entity_type,
    event: r.event,
    id: Number(r.id),
    requestHeaders: r.request_headers,
    requestId: r.request_id ?? null,
    requestIpAddress: r.request_ip,
    requestMethod: r.request_method,
    requestPath: r.request_path,
    user: r.user_email,
  };
}

export type SealAlgorithm = 'hmac-sha256' | 'sha256';

/**
 * A seal's hash: HMAC-SHA256 with AUDIT_SEAL_KEY (UTF-8) when set, else SHA-256, over the previous seal's hash
 * (64 lowercase hex characters; nothing for an account's first seal) followed by, for each entry in id order,
 * its canonical JSON and a newline (0x0A). Lowercase hex.
 */
export function sealHash(algorithm: SealAlgorithm, key: string | undefined, previousHash: string | null, canonicalEntries: string[]): string {
  const hash = algorithm === 'hmac-sha256' ? createHmac('sha256', Buffer.from(key ?? '', 'utf8')) : createHash('sha256');
  if (previousHash) hash.update(previousHash, 'utf8');
  for (const entry of canonicalEntries) hash.update(`${entry}\n`, 'utf8');
  return hash.digest('hex');
}

/** 8 bytes of SHA-256 of one entry's canonical JSON: only locates an altered entry (the seal's hash proves it). */
export function entryDigest(canonical: string): Buffer {
  return createHash('sha256').update(canonical, 'utf8').digest().subarray(0, 8);
}
