/** What the audit log keeps of a request. */
export interface RequestMeta {
  method: string;
  path: string;
  headers: Record<string, string>;
  ip: string;
  /** The request's x-request-id (API.md section 12); absent for a host's own request. */
  requestId?: string | null;
}

export const REDACTED = '[REDACTED]';

/**
 * Headers whose values are kept as sent: the ones that say what the request was (an allowlist). Every other
 * header is kept by name with its value replaced by `[REDACTED]`, whatever it is called: an unknown header may
 * carry a credential under any name (`x-auth`, `x-session`, a vendor's signature). This satisfies API.md
 * section 8, whose named headers (`authorization`, `cookie`, ..., any name containing token, secret, password
 * or key) are all outside the allowlist, and `x-account-id` and `idempotency-key` are in it.
 */
const KEPT = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'connection',
  'content-length',
  'content-type',
  'expect',
  'forwarded',
  'host',
  'idempotency-key',
  'if-match',
  'if-none-match',
  'origin',
  'pragma',
  'referer',
  'transfer-encoding',
  'user-agent',
  'via',
  'x-account-id',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'x-request-id',
]);

/** Headers kept whose value is a URL: its secret-named query parameters are redacted (redactUrl). */
const URL_VALUED = new Set(['referer', 'origin']);

/**
 * Query parameter names that are redacted in a logged or audited URL: the words of API.md section 8 and a
 * few more that name credentials in URLs (`access_token`, `api_key`, `X-Amz-Signature`, `auth`, `session`).
 */
const SECRET_NAME = /token|secret|password|passwd|key|auth|session|signature|credential|cookie/i;

/** The one redaction rule for request headers: the audit log's `requestHeaders` and the process log both use it. */
export function sanitizeHeaders(headers: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (!KEPT.has(name)) {
      out[name] = REDACTED;
      continue;
    }
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    out[name] = URL_VALUED.has(name) ? redactUrl(text) : text;
  }
  return out;
}

/** A URL or path with the values of its secret-named query parameters (SECRET_NAME) replaced by `[REDACTED]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url.slice(q + 1);
  if (!SECRET_NAME.test(query)) return url; // no parameter can be named like a secret: as it is
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // a malformed escape: judged as written
    }
    return eq >= 0 && SECRET_NAME.test(name) ? `${rawName}=${REDACTED}` : part;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}
