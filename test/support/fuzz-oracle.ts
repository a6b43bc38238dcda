import type { DataSource } from 'typeorm';

/**
 * What the fuzz suite asserts about every answer: the error shape of the contract, no change on a 4xx, and
 * nothing of the other account, ever.
 */

/** One account's share of the fingerprint query: counts and latest change per table it owns. */
const fingerprintOf = (p: string) => `json_build_array(
       (SELECT json_build_array(name, updated_at) FROM accounts WHERE id = ${p}),
       (SELECT json_build_array(count(*), max(updated_at), max(id)) FROM leads WHERE account_id = ${p}),
       (SELECT json_build_array(count(*), max(updated_at), count(deleted_at)) FROM teams WHERE account_id = ${p}),
       (SELECT json_build_array(count(*), max(updated_at), count(deleted_at)) FROM lead_sources WHERE account_id = ${p}),
       (SELECT json_build_array(count(*), max(updated_at), count(deleted_at), sum(position), count(*) FILTER (WHERE active)) FROM rotations WHERE account_id = ${p}),
       (SELECT json_build_array(count(*), sum(weight), sum(ordinal)) FROM rotation_members WHERE account_id = ${p}),
       (SELECT json_build_array(count(*), max(updated_at), count(*) FILTER (WHERE active)) FROM memberships WHERE account_id = ${p}),
       (SELECT json_build_array(count(*), max(created_at), count(revoked_at)) FROM api_keys WHERE account_id = ${p}),
       (SELECT json_build_array(count(*), max(id)) FROM audit_log WHERE account_id = ${p}),
       (SELECT json_build_array(count(*), max(created_at)) FROM idempotency_keys WHERE account_id = ${p}),
       (SELECT json_build_array(count(*), max(id)) FROM member_away_periods WHERE account_id = ${p})
     )::text`;

/**
 * A cheap fingerprint of everything each account owns, in one statement. Equal fingerprints before and
 * after a request mean the request changed nothing there.
 */
export async function fingerprints(db: DataSource, ownAccountId: string, otherAccountId: string): Promise<{ own: string; other: string }> {
  const [row] = await db.query(`SELECT ${fingerprintOf('$1')} AS own, ${fingerprintOf('$2')} AS other`, [ownAccountId, otherAccountId]);
  return row;
}

/**
 * Where the audit log's share sits in fingerprintOf's array; what comes before it, and after the idempotency
 * keys' share that follows it, is the account's data.
 */
const AUDIT_PART = 8;

/**
 * Whether a request's audit entries match what it did (API.md section 8: one entry per changed record, none
 * without a change): a 2xx mutation that changed data wrote at least one entry and one that changed nothing
 * (a no-op PATCH, a replay) wrote none; a 4xx wrote none. `before` and `after` are the caller's fingerprints.
 */
export function auditProblem(method: string, status: number, before: string, after: string): string | null {
  const [b, a] = [JSON.parse(before) as unknown[], JSON.parse(after) as unknown[]];
  const data = (parts: unknown[]) => JSON.stringify([...parts.slice(0, AUDIT_PART), ...parts.slice(AUDIT_PART + 2)]);
  const dataChanged = data(b) !== data(a);
  const audited = JSON.stringify(b[AUDIT_PART]) !== JSON.stringify(a[AUDIT_PART]);
  if (status >= 400 && status < 500) return audited ? `a ${status} wrote an audit entry` : null;
  if (status < 200 || status >= 300 || method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return null;
  if (dataChanged && !audited) return `a ${status} ${method} changed data without an audit entry`;
  if (!dataChanged && audited) return `a ${status} ${method} wrote an audit entry without changing anything`;
  return null;
}

/** Why `body` is not the contract's error body `{error, details?}`, or null when it is. */
export function errorShapeProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return `error body is not a JSON object: ${preview(body)}`;
  const keys = Object.keys(body);
  const extra = keys.filter((k) => k !== 'error' && k !== 'details');
  if (extra.length > 0) return `error body has keys other than error/details: ${extra.join(', ')}`;
  const { error, details } = body as { error?: unknown; details?: unknown };
  if (typeof error !== 'string' || error.trim() === '') return `error is not a non-empty string: ${preview(error)}`;
  if (details !== undefined) {
    if (!Array.isArray(details)) return `details is not an array: ${preview(details)}`;
    for (const d of details) {
      const ok = typeof d === 'object' && d !== null && typeof d.field === 'string' && typeof d.message === 'string' && Object.keys(d).length === 2;
      if (!ok) return `a details item is not {field, message}: ${preview(d)}`;
    }
  }
  return null;
}

/** Traces of internals that an answer must never carry (unless the request itself sent that text). */
const INTERNALS = [/\n\s+at \S+ \(/, /node_modules\//, /QueryFailedError/, /duplicate key value violates/, /syntax error at or near/, /\.ts:\d+:\d+/];

export function internalsProblem(text: string, requestText: string): string | null {
  for (const re of INTERNALS) if (re.test(text) && !re.test(requestText)) return `answer shows internals (${re})`;
  return null;
}

export interface OtherAccountMarkers {
  /** The caller's account: the only value an accountId/account_id field of an answer may have */
  ownAccountId: string;
  /** Text written only into the other account's data and never sent in a request (case-insensitive) */
  secret: string;
  /** The other account's values that requests do send (its member emails, API key): a leak only if not echoed */
  sendable: string[];
}

/**
 * Where the answer shows the other account: its secret marker, one of its sendable values that the request
 * did not contain (and that the caller's own account has not legitimately taken in, `adopted`), or any
 * accountId that is not the caller's.
 */
export function leakProblem(text: string, body: unknown, requestText: string, other: OtherAccountMarkers, adopted: Set<string>): string | null {
  const lower = text.toLowerCase();
  if (lower.includes(other.secret.toLowerCase())) return `answer contains the other account's marker ${other.secret}`;
  const requestLower = requestText.toLowerCase();
  for (const value of other.sendable) {
    const v = value.toLowerCase();
    if (lower.includes(v) && !requestLower.includes(v) && !adopted.has(v)) return `answer contains the other account's ${value}`;
  }
  const foreign = foreignAccountIds(body, other.ownAccountId);
  return foreign ? `answer has ${foreign}` : null;
}

function foreignAccountIds(value: unknown, ownAccountId: string): string | null {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'accountId' || k === 'account_id') && String(x) !== ownAccountId) return `${k} = ${preview(x, 40)}, not the caller's account`;
        stack.push(x);
      }
    }
  }
  return null;
}

export function preview(value: unknown, max = 300): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
