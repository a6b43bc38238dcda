import { createHash } from 'node:crypto';
import { IdempotencyErrors } from './leads.errors';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_MAX = 255;

/** A request carrying an Idempotency-Key: the key, and what makes two requests "the same". */
export interface IdempotentRequest {
  key: string;
  /** SHA-256 (hex) of the canonical method, path, query and JSON body. */
  fingerprint: string;
}

export interface RequestParts {
  method: string;
  /** Without the query string */
  path: string;
  query: unknown;
  body: unknown;
}

/**
 * JSON with object keys sorted at every level, so two bodies that are equal as JSON values give the same
 * text whatever their key order or spacing. Array order matters; `undefined` members are dropped as
 * JSON.stringify drops them.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = Object.create(null); // so a "__proto__" key stays a key
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function requestFingerprint(parts: RequestParts): string {
  const canonical = canonicalJson([parts.method.toUpperCase(), parts.path, parts.query ?? {}, parts.body ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The request's Idempotency-Key and fingerprint, or null without the header; 400 for an empty key or one
 * longer than 255 characters.
 */
export function idempotentRequest(headers: Record<string, string | string[] | undefined>, parts: RequestParts): IdempotentRequest | null {
  const raw = headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? raw.join(', ') : raw;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX) throw IdempotencyErrors.badKey();
  return { key, fingerprint: requestFingerprint(parts) };
}
