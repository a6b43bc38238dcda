import { defineQuery } from '../database/sql';
import type { Actor } from './actor';

/**
 * The audit feature's raw SQL, and the one writer of `audit_log`: other modules that record an entry in the
 * statement of their change (the leads' one-statement insert) take `insertAuditEntries` for their CTE and
 * never name the table's columns.
 */

export const AUDIT_COLUMNS = `id, account_id, event, entity_type, entity_id, user_email, api_key_id, data, created_at,
  request_method, request_path, request_headers, request_ip, request_id`;

export interface AuditRow {
  id: string;
  account_id: string;
  event: string;
  entity_type: string;
  entity_id: string;
  user_email: string;
  api_key_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  request_method: string | null;
  request_path: string | null;
  request_headers: Record<string, string> | null;
  request_ip: string | null;
  request_id: string | null;
}

/** The SQL expressions (typed) that give an entry's values: one row of them per entry, from the caller's FROM. */
export interface AuditEntryExpressions {
  account: string;
  event: string;
  entityType: string;
  entityId: string;
  /** jsonb */
  data: string;
  /** Who and through which request: see `actorExpressions` */
  actor: ActorExpressions;
}

export interface ActorExpressions {
  user: string;
  apiKeyId: string;
  requestMethod: string;
  requestPath: string;
  /** jsonb */
  requestHeaders: string;
  requestIp: string;
  requestId: string;
}

/**
 * `INSERT INTO audit_log … SELECT <values> <from> RETURNING <AUDIT_COLUMNS>`: entries written in the caller's
 * statement (a CTE of it), so the change and its entries commit together or not at all. `from` is the rest of
 * the SELECT (`FROM …`, and any WHERE / ORDER BY).
 */
export const insertAuditEntries = (v: AuditEntryExpressions, from: string) =>
  `INSERT INTO audit_log (account_id, event, entity_type, entity_id, user_email, api_key_id, data,
                             request_method, request_path, request_headers, request_ip, request_id)
      SELECT ${v.account}, ${v.event}, ${v.entityType}, ${v.entityId}, ${v.actor.user}, ${v.actor.apiKeyId}, ${v.data},
             ${v.actor.requestMethod}, ${v.actor.requestPath}, ${v.actor.requestHeaders}, ${v.actor.requestIp}, ${v.actor.requestId}
        ${from}
      RETURNING ${AUDIT_COLUMNS}`;

/**
 * The actor as the fields of a JSON record (for a statement that reads many actors from a jsonb recordset),
 * their column types for `jsonb_to_recordset`, and the expressions that read them from alias `alias`.
 */
export function actorRecord(actor: Actor): Record<string, unknown> {
  return {
    actor_user: actor.user,
    actor_api_key_id: actor.apiKeyId,
    actor_request_method: actor.request?.method ?? null,
    actor_request_path: actor.request?.path ?? null,
    actor_request_headers: actor.request?.headers ?? null,
    actor_request_ip: actor.request?.ip ?? null,
    actor_request_id: actor.request?.requestId ?? null,
  };
}
export const ACTOR_RECORD_TYPES = [
  'actor_user text',
  'actor_api_key_id text',
  'actor_request_method text',
  'actor_request_path text',
  'actor_request_headers jsonb',
  'actor_request_ip text',
  'actor_request_id text',
];
export const actorOf = (alias: string): ActorExpressions => ({
  user: `${alias}.actor_user`,
  apiKeyId: `${alias}.actor_api_key_id`,
  requestMethod: `${alias}.actor_request_method`,
  requestPath: `${alias}.actor_request_path`,
  requestHeaders: `${alias}.actor_request_headers`,
  requestIp: `${alias}.actor_request_ip`,
  requestId: `${alias}.actor_request_id`,
});

/** The named values of one actor, for a statement written with `actorParams`. */
export function actorValues(actor: Actor) {
  return {
    user: actor.user,
    apiKeyId: actor.apiKeyId,
    requestMethod: actor.request?.method ?? null,
    requestPath: actor.request?.path ?? null,
    requestHeaders: actor.request ? JSON.stringify(actor.request.headers) : null,
    requestIp: actor.request?.ip ?? null,
    requestId: actor.request?.requestId ?? null,
  };
}
type ActorValues = ReturnType<typeof actorValues>;
const actorParams: ActorExpressions = {
  user: ':user::text',
  apiKeyId: ':apiKeyId::text',
  requestMethod: ':requestMethod::text',
  requestPath: ':requestPath::text',
  requestHeaders: ':requestHeaders::jsonb',
  requestIp: ':requestIp::text',
  requestId: ':requestId::text',
};

export interface RecordParams extends ActorValues {
  accountId: string;
  /** JSON array of {event, entity_type, entity_id, data} */
  events: string;
}

/** `AuditService.record`: any number of entries of one actor, in the order given (ids ascending). */
export const RECORD = defineQuery<RecordParams, AuditRow>(
  'audit/record',
  insertAuditEntries(
    { account: ':accountId::bigint', event: 'e.event', entityType: 'e.entity_type', entityId: 'e.entity_id', data: "coalesce(e.data, '{}'::jsonb)", actor: actorParams },
    `FROM ROWS FROM (jsonb_to_recordset(:events::jsonb) AS (event text, entity_type text, entity_id text, data jsonb))
             WITH ORDINALITY AS e(event, entity_type, entity_id, data, ord)
       ORDER BY e.ord`,
  ),
);

export const HISTORY = defineQuery<{ accountId: string; entityType: string; entityId: string }, AuditRow>(
  'audit/history',
  `SELECT ${AUDIT_COLUMNS} FROM audit_log
    WHERE account_id = :accountId AND entity_type = :entityType AND entity_id = :entityId ORDER BY id`,
);

/** GET /audit-logs's filters (API.md section 8), as named values: a filter left null matches everything. */
export interface FilterParams {
  accountId: string;
  leadId: string | null;
  entityType: string | null;
  entityId: string | null;
  event: string | null;
  user: string | null;
  /** UTC instants (ISO 8601), never left to the session's time zone */
  from: string | null;
  to: string | null;
}

/** The filters as the query string gives them (GET /audit-logs and its export take the same ones). */
export interface FilterQuery {
  leadId?: number;
  entityType?: string;
  entityId?: string;
  event?: string;
  user?: string;
  from?: string;
  to?: string;
}

/** The named values of `AUDIT_FILTER` for an account and the query's filters. */
export function filterValues(accountId: string, query: FilterQuery): FilterParams {
  return {
    accountId,
    leadId: query.leadId === undefined ? null : String(query.leadId),
    entityType: query.entityType ?? null,
    entityId: query.entityId ?? null,
    event: query.event ?? null,
    user: query.user === undefined ? null : query.user.toLowerCase(),
    // Dates are handed over as UTC instants, never left to the session's time zone.
    from: query.from === undefined ? null : new Date(query.from).toISOString(),
    to: query.to === undefined ? null : new Date(query.to).toISOString(),
  };
}

/**
 * The one WHERE of GET /audit-logs's filters (`FilterParams`), shared by the list and the export so the two
 * cannot select differently. Filters left null drop out when the statement is planned (both run unprepared,
 * so PostgreSQL plans them with the values: `NULL IS NULL` folds away).
 */
const AUDIT_FILTER = `account_id = :accountId
      AND (:leadId::text IS NULL OR (entity_type = 'lead' AND entity_id = :leadId::text))
      AND (:entityType::text IS NULL OR entity_type = :entityType::text)
      AND (:entityId::text IS NULL OR entity_id = :entityId::text)
      AND (:event::text IS NULL OR event = :event::text)
      AND (:user::text IS NULL OR user_email = :user::text)
      AND (:from::timestamptz IS NULL OR created_at >= :from::timestamptz)
      AND (:to::timestamptz IS NULL OR created_at < :to::timestamptz)`;

export interface ListParams extends FilterParams {
  /** The last id of the previous page */
  beforeId: string | null;
  limit: number;
}

/** GET /audit-logs: newest first, along (account_id, id). */
export const LIST = defineQuery<ListParams, AuditRow>(
  'audit/list',
  `SELECT ${AUDIT_COLUMNS} FROM audit_log
    WHERE ${AUDIT_FILTER}
      AND (:beforeId::bigint IS NULL OR id < :beforeId::bigint)
    ORDER BY id DESC LIMIT :limit`,
);

export interface ExportParams extends FilterParams {
  /** The last id of the previous batch ('0' first) */
  afterId: string;
  limit: number;
}

/** GET /audit-logs/export: the list's entries, oldest first, a keyset batch at a time. */
export const EXPORT_BATCH = defineQuery<ExportParams, AuditRow>(
  'audit/export-batch',
  `SELECT ${AUDIT_COLUMNS} FROM audit_log
    WHERE ${AUDIT_FILTER}
      AND id > :afterId::bigint
    ORDER BY id LIMIT :limit`,
);

// ---------------------------------------------------------------------------------------------------------
// Assignments (API.md section 9), read from the entries that record them: a lead's `lead_created`
// (data.assignedTo, data.assignment), `lead_updated` / `lead_archived` / `lead_unarchived` with
// data.changes.assignedTo (a PATCH: reason manual), and `lead_reassigned` (data.from, data.to, data.assignment).

/** The entries in which lead `leadId` got an assignee, newest first, before entry `beforeId` (null: from the newest). */
export const LEAD_ASSIGNMENTS = defineQuery<{ accountId: string; leadId: string; beforeId: string | null; limit: number }, Pick<AuditRow, 'id' | 'event' | 'data' | 'created_at'>>(
  'audit/lead-assignments',
  `SELECT id, event, data, created_at FROM audit_log
    WHERE account_id = :accountId AND entity_type = 'lead' AND entity_id = :leadId
      AND (:beforeId::bigint IS NULL OR id < :beforeId::bigint)
      AND ((event = 'lead_created' AND data ->> 'assignedTo' IS NOT NULL)
        OR (event = 'lead_reassigned' AND data ->> 'to' IS NOT NULL)
        OR (data -> 'changes' -> 'assignedTo' ->> 'to' IS NOT NULL))
    ORDER BY id DESC LIMIT :limit`,
);

/** How many leads rotation `rotationId` assigned to each member in [from, to). */
export const ROTATION_ASSIGNMENT_COUNTS = defineQuery<{ accountId: string; rotationId: string; from: string; to: string }, { user: string; assigned: number }>(
  'audit/rotation-assignment-counts',
  `SELECT data -> 'assignment' ->> 'user' AS "user", count(*)::integer AS assigned FROM audit_log
    WHERE account_id = :accountId AND event IN ('lead_created', 'lead_reassigned')
      AND created_at >= :from::timestamptz AND created_at < :to::timestamptz
      AND data -> 'assignment' ->> 'rotationId' = :rotationId::text AND data -> 'assignment' ->> 'user' IS NOT NULL
    GROUP BY 1`,
);
