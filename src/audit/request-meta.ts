/** What the audit log keeps of a request. */
export interface RequestMeta {
  method: string;
  path: string;
  headers: Record<string, string>;
  ip: string;
  /** The request's x-request-id (API.md section 12); absent for a host's own request. */
  requestId?: string | null;
}

const ALWAYS_REDACTED = new Set(['authorization', 'cookie', 'set-cookie', 'proxy-authorization', 'x-api-key']);
const KEPT = new Set(['x-account-id', 'idempotency-key']);
const SENSITIVE_PARTS = ['token', 'secret', 'password', 'key'];
export const REDACTED = '[REDACTED]';

/** Replaces every credential-like header value with `[REDACTED]` (API.md section 8). */
export function sanitizeHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    const sensitive = ALWAYS_REDACTED.has(name) || (!KEPT.has(name) && SENSITIVE_PARTS.some((p) => name.includes(p)));
    out[name] = sensitive ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
