import { defineQuery } from '../database/sql';

/**
 * The events and webhooks feature's raw SQL, and the only file that names `events`, `webhook_endpoints` and
 * `webhook_deliveries`. Other modules write events through `outboxCtes` (a CTE of their own statement: the
 * leads' one-statement insert) or OutboxService.emit (their transaction). `npm run sql:snapshot` writes these
 * statements to queries/webhooks.sql.
 */

/** A new event id: `evt_` and 32 hex characters (gen_random_uuid is core PostgreSQL since 13, and in PGlite). */
const NEW_EVENT_ID = `'evt_' || replace(gen_random_uuid()::text, '-', '')`;

/** The SQL expressions (typed) that give an event's values, one row of them per event from the caller's FROM. */
export interface EventExpressions {
  account: string;
  /** text */
  type: string;
  /** jsonb */
  data: string;
}

/**
 * Two CTEs for the caller's WITH, the outbox write of a change: `<name>` inserts one event per row of `from`
 * (the rest of a SELECT: `FROM …`, any WHERE / ORDER BY; ids follow its order) and `<name>_deliveries` fans
 * each out to the account's endpoints that are enabled and subscribed to its type, in the same statement, so
 * the change, its events and their deliveries commit together or not at all. Data-modifying CTEs run whether
 * or not the main query reads them. Without endpoints the fan-out is one empty index probe.
 */
export const outboxCtes = (name: string, v: EventExpressions, from: string) => `${name} AS (
      INSERT INTO events (account_id, public_id, type, data)
      SELECT ${v.account}, ${NEW_EVENT_ID}, ${v.type}, ${v.data}
        ${from}
      RETURNING account_id, id, public_id, type),
  ${name}_deliveries AS (
      INSERT INTO webhook_deliveries (account_id, endpoint_id, event_id, next_attempt_at)
      SELECT e.account_id, w.id, e.id, now()
        FROM ${name} e
        JOIN webhook_endpoints w ON w.account_id = e.account_id AND w.enabled AND w.events && ARRAY[e.type::text, '*']
       WHERE e.type <> 'webhook.test'
      RETURNING 1)`;

/** OutboxService.emit: events of one change, in the order given, fanned out as `outboxCtes` does. */
export const EMIT = defineQuery<{ accountId: string; events: string }, { public_id: string }>(
  'webhooks/emit',
  `WITH ${outboxCtes(
    'emitted',
    { account: ':accountId::bigint', type: 'e.type', data: 'e.data' },
    `FROM ROWS FROM (jsonb_to_recordset(:events::jsonb) AS (type text, data jsonb)) WITH ORDINALITY AS e(type, data, ord)
       ORDER BY e.ord`,
  )}
  SELECT public_id FROM emitted ORDER BY id`,
);

/** POST /webhooks/{id}/test: a `webhook.test` event and its one delivery, to that endpoint only. */
export const EMIT_TEST = defineQuery<{ accountId: string; endpointId: string; data: string }, { public_id: string }>(
  'webhooks/emit-test',
  `WITH ev AS (
      INSERT INTO events (account_id, public_id, type, data)
      VALUES (:accountId::bigint, ${NEW_EVENT_ID}, 'webhook.test', :data::jsonb)
      RETURNING account_id, id, public_id),
  delivery AS (
      INSERT INTO webhook_deliveries (account_id, endpoint_id, event_id, next_attempt_at)
      SELECT ev.account_id, w.id, ev.id, CASE WHEN w.enabled THEN now() END
        FROM ev JOIN webhook_endpoints w ON w.account_id = ev.account_id AND w.id = :endpointId::bigint
      RETURNING 1)
  SELECT public_id FROM ev`,
);

// ---------------------------------------------------------------------------------------------------------
// Endpoints

/**
 * DELETE /webhooks/{id}: the endpoint's deliveries go with it (no foreign key cascades them: migration
 * LighterWebhookDeliveries1764279200000), in the deletion's transaction.
 */
export const DELETE_ENDPOINT_DELIVERIES = defineQuery<{ accountId: string; endpointId: string }, never>(
  'webhooks/delete-endpoint-deliveries',
  `DELETE FROM webhook_deliveries WHERE account_id = :accountId AND endpoint_id = :endpointId`,
);

/** Disabling an endpoint parks its pending deliveries (no next attempt); enabling it makes them due now. */
export const PARK_DELIVERIES = defineQuery<{ accountId: string; endpointId: string }, never>(
  'webhooks/park-deliveries',
  `UPDATE webhook_deliveries SET next_attempt_at = NULL
    WHERE account_id = :accountId AND endpoint_id = :endpointId AND status = 'pending' AND next_attempt_at IS NOT NULL`,
);
export const UNPARK_DELIVERIES = defineQuery<{ accountId: string; endpointId: string }, never>(
  'webhooks/unpark-deliveries',
  `UPDATE webhook_deliveries SET next_attempt_at = now()
    WHERE account_id = :accountId AND endpoint_id = :endpointId AND status = 'pending' AND next_attempt_at IS NULL`,
);

// ---------------------------------------------------------------------------------------------------------
// Deliveries: the API

export interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  last_response_body: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  created_at: Date;
  /** The cursor key: deliveries are listed newest event first */
  event_key: string;
}

const DELIVERY_COLUMNS = `d.id, e.public_id AS event_id, e.type AS event_type, d.status, d.attempts, d.last_status_code, d.last_error,
         d.last_duration_ms, d.last_response_body, d.last_attempt_at, d.next_attempt_at, d.created_at, d.event_id AS event_key`;

/** GET /webhooks/{id}/deliveries: newest event first, along webhook_deliveries_endpoint_event_key. */
export const LIST_DELIVERIES = defineQuery<
  { accountId: string; endpointId: string; status: string | null; beforeEventId: string | null; limit: number },
  DeliveryRow
>(
  'webhooks/list-deliveries',
  `SELECT ${DELIVERY_COLUMNS}
     FROM webhook_deliveries d JOIN events e ON e.account_id = d.account_id AND e.id = d.event_id
    WHERE d.account_id = :accountId AND d.endpoint_id = :endpointId
      AND (:status::text IS NULL OR d.status = :status::text)
      AND (:beforeEventId::bigint IS NULL OR d.event_id < :beforeEventId::bigint)
    ORDER BY d.event_id DESC LIMIT :limit`,
);

/**
 * POST …/deliveries/{deliveryId}/retry: the delivery is pending again and due now (or parked, while the endpoint
 * is disabled). A delivery whose attempt is in flight is left to it (never two attempts at once). Its attempts
 * keep counting: a failed delivery retried by hand gets one more attempt.
 */
export const RETRY_DELIVERY = defineQuery<{ accountId: string; endpointId: string; id: string }, { id: string }>(
  'webhooks/retry-delivery',
  `UPDATE webhook_deliveries d
      SET status = 'pending', next_attempt_at = CASE WHEN w.enabled THEN now() END
     FROM webhook_endpoints w
    WHERE d.account_id = :accountId AND d.endpoint_id = :endpointId AND d.id = :id::bigint
      AND w.account_id = d.account_id AND w.id = d.endpoint_id
      AND (d.locked_until IS NULL OR d.locked_until <= now())
    RETURNING d.id`,
);

export const DELIVERY_EXISTS = defineQuery<{ accountId: string; endpointId: string; id: string }, { id: string }>(
  'webhooks/delivery-exists',
  `SELECT id FROM webhook_deliveries WHERE account_id = :accountId AND endpoint_id = :endpointId AND id = :id::bigint`,
);

/**
 * POST /webhooks/{id}/replay: every event of the account since `since` of the endpoint's types is due again
 * (a new delivery, or the existing one made pending; one in flight is left to its attempt).
 */
export const REPLAY = defineQuery<{ accountId: string; endpointId: string; since: string }, { id: string }>(
  'webhooks/replay',
  `INSERT INTO webhook_deliveries AS d (account_id, endpoint_id, event_id, next_attempt_at)
   SELECT e.account_id, w.id, e.id, CASE WHEN w.enabled THEN now() END
     FROM webhook_endpoints w
     JOIN events e ON e.account_id = w.account_id AND e.created_at >= :since::timestamptz
                  AND e.type <> 'webhook.test' AND w.events && ARRAY[e.type::text, '*']
    WHERE w.account_id = :accountId AND w.id = :endpointId
   ON CONFLICT (account_id, endpoint_id, event_id) DO UPDATE
      SET status = 'pending', next_attempt_at = EXCLUDED.next_attempt_at
    WHERE d.locked_until IS NULL OR d.locked_until <= now()
   RETURNING d.id`,
);

// ---------------------------------------------------------------------------------------------------------
// Deliveries: the workers

export interface ClaimedRow {
  account_id: string;
  id: string;
  endpoint_id: string;
  attempts: number;
  /** The endpoint was deleted after the delivery was written (its fan-out raced the deletion): url and secret are null */
  endpoint_gone: boolean;
  enabled: boolean;
  url: string;
  secret: string;
  /** Still signing (rotated less than 24 hours ago), else null */
  previous_secret: string | null;
  event_public_id: string;
  event_type: string;
  /** The event's `data` as JSON text (spliced into the body as is: not parsed and serialized again) */
  event_data: string;
  /** ISO 8601, milliseconds, UTC */
  event_created_at: string;
}

/**
 * Claims up to `limit` due deliveries for one attempt each, across accounts, in any number of processes at
 * once: FOR UPDATE SKIP LOCKED hands each row to one claimer, and the claim (attempts + 1, a lease in
 * `locked_until`, and `next_attempt_at` moved to the lease's end) commits with this statement. A process that
 * dies mid-attempt leaves the row due again when the lease ends, and only then; `attempts` fences the
 * attempt's result (FINISH), so a late answer of an older claim changes nothing.
 */
export const CLAIM = defineQuery<{ limit: number; leaseMs: number }, ClaimedRow>(
  'webhooks/claim',
  `WITH due AS (
      SELECT account_id, id FROM webhook_deliveries
       WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until <= now())
       ORDER BY next_attempt_at LIMIT :limit
       FOR UPDATE SKIP LOCKED),
  claimed AS (
      UPDATE webhook_deliveries d
         SET attempts = d.attempts + 1,
             locked_until = now() + :leaseMs * interval '1 millisecond',
             next_attempt_at = now() + :leaseMs * interval '1 millisecond'
        FROM due WHERE d.account_id = due.account_id AND d.id = due.id
      RETURNING d.account_id, d.id, d.endpoint_id, d.event_id, d.attempts)
  SELECT c.account_id, c.id, c.endpoint_id, c.attempts, w.id IS NULL AS endpoint_gone, coalesce(w.enabled, false) AS enabled, w.url, w.secret,
         CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS previous_secret,
         e.public_id AS event_public_id, e.type AS event_type, e.data::text AS event_data,
         to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS event_created_at
    FROM claimed c
    JOIN events e ON e.account_id = c.account_id AND e.id = c.event_id
    LEFT JOIN webhook_endpoints w ON w.account_id = c.account_id AND w.id = c.endpoint_id`,
);

export interface FinishParams {
  accountId: string;
  id: string;
  /** The claim's `attempts`: the fence */
  attempt: number;
  status: 'pending' | 'delivered' | 'failed';
  /** When pending: the next attempt in this many ms */
  retryInMs: number | null;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseBody: string | null;
}

/**
 * An attempt's result, only if the delivery is still held by that claim (`attempts` fences it). A retry is
 * parked (no next attempt) when the endpoint was disabled meanwhile. Delivered: the endpoint is healthy again
 * (`failing_since` cleared), in the same statement.
 */
export const FINISH = defineQuery<FinishParams, { endpoint_id: string }>(
  'webhooks/finish',
  `WITH finished AS (
      UPDATE webhook_deliveries d
         SET status = :status::text,
             locked_until = NULL,
             next_attempt_at = CASE WHEN :status::text = 'pending' AND w.enabled THEN now() + :retryInMs::integer * interval '1 millisecond' END,
             last_attempt_at = now(),
             last_status_code = :statusCode::integer,
             last_error = :error::text,
             last_duration_ms = :durationMs::integer,
             last_response_body = :responseBody::text
        FROM webhook_endpoints w
       WHERE d.account_id = :accountId AND d.id = :id::bigint AND d.attempts = :attempt::integer AND d.status = 'pending'
         AND w.account_id = d.account_id AND w.id = d.endpoint_id
      RETURNING d.endpoint_id),
  healthy AS (
      UPDATE webhook_endpoints w SET failing_since = NULL
        FROM finished f
       WHERE :status::text = 'delivered' AND w.account_id = :accountId AND w.id = f.endpoint_id AND w.failing_since IS NOT NULL
      RETURNING 1)
  SELECT endpoint_id FROM finished`,
);

export interface DeliveredResult {
  account_id: string;
  id: string;
  attempt: number;
  status_code: number;
  duration_ms: number;
  response_body: string | null;
}

/**
 * FINISH for many delivered attempts at once (the common case, batched by the worker): each only if still held
 * by its claim; their endpoints are healthy again.
 */
export const FINISH_DELIVERED = defineQuery<{ results: string }, { n: number }>(
  'webhooks/finish-delivered',
  `WITH r AS (
      SELECT * FROM jsonb_to_recordset(:results::jsonb)
          AS x(account_id bigint, id bigint, attempt integer, status_code integer, duration_ms integer, response_body text)),
  finished AS (
      UPDATE webhook_deliveries d
         SET status = 'delivered', locked_until = NULL, next_attempt_at = NULL, last_attempt_at = now(),
             last_status_code = r.status_code, last_error = NULL, last_duration_ms = r.duration_ms, last_response_body = r.response_body
        FROM r
       WHERE d.account_id = r.account_id AND d.id = r.id AND d.attempts = r.attempt AND d.status = 'pending'
      RETURNING d.account_id, d.endpoint_id),
  healthy AS (
      UPDATE webhook_endpoints w SET failing_since = NULL
        FROM (SELECT DISTINCT account_id, endpoint_id FROM finished) f
       WHERE w.account_id = f.account_id AND w.id = f.endpoint_id AND w.failing_since IS NOT NULL
      RETURNING 1)
  SELECT count(*)::integer AS n FROM finished`,
);

/** An attempt given up without a result (shutdown): due again now, and not counted. */
export const RELEASE = defineQuery<{ accountId: string; id: string; attempt: number }, never>(
  'webhooks/release',
  `UPDATE webhook_deliveries SET attempts = attempts - 1, locked_until = NULL, next_attempt_at = now()
    WHERE account_id = :accountId AND id = :id::bigint AND attempts = :attempt::integer AND status = 'pending'`,
);

/** A claimed delivery whose endpoint was deleted (its fan-out raced the deletion): deleted as the endpoint's others were. */
export const DROP_CLAIMED = defineQuery<{ accountId: string; id: string; attempt: number }, never>(
  'webhooks/drop-claimed',
  `DELETE FROM webhook_deliveries WHERE account_id = :accountId AND id = :id::bigint AND attempts = :attempt::integer AND status = 'pending'`,
);

/** A claimed delivery of a disabled endpoint: parked, and the claim not counted. */
export const PARK_CLAIMED = defineQuery<{ accountId: string; id: string; attempt: number }, never>(
  'webhooks/park-claimed',
  `UPDATE webhook_deliveries SET attempts = attempts - 1, locked_until = NULL, next_attempt_at = NULL
    WHERE account_id = :accountId AND id = :id::bigint AND attempts = :attempt::integer AND status = 'pending'`,
);

/**
 * A failed attempt: the endpoint is failing since its first failure after the last delivery; `gone` (410) or
 * failing for `disableAfterMs` disables it, with the reason. Answers whether this statement disabled it.
 */
export const ENDPOINT_FAILED = defineQuery<{ accountId: string; endpointId: string; gone: boolean; disableAfterMs: number }, { disabled: boolean }>(
  'webhooks/endpoint-failed',
  `WITH before AS (
      SELECT enabled, coalesce(failing_since, now()) AS since FROM webhook_endpoints
       WHERE account_id = :accountId AND id = :endpointId FOR NO KEY UPDATE),
  decision AS (
      SELECT since, enabled AND (:gone::boolean OR since <= now() - :disableAfterMs * interval '1 millisecond') AS disable FROM before)
  UPDATE webhook_endpoints w
     SET failing_since = decision.since,
         enabled = w.enabled AND NOT decision.disable,
         disabled_reason = CASE WHEN NOT decision.disable THEN w.disabled_reason
                                WHEN :gone::boolean THEN 'the endpoint answered 410 Gone'
                                ELSE 'every delivery failed for 5 days' END
    FROM decision
   WHERE w.account_id = :accountId AND w.id = :endpointId
   RETURNING decision.disable AS disabled`,
);

// ---------------------------------------------------------------------------------------------------------
// Metrics

/**
 * Outbox lag: the age of the oldest delivery not yet delivered (pending, not parked), and of the oldest one due
 * but not yet claimed (how far the workers are behind).
 */
export const OUTBOX_LAG = defineQuery<Record<string, never>, { oldest_undelivered_s: number | null; oldest_due_s: number | null }>(
  'webhooks/outbox-lag',
  `SELECT extract(epoch FROM now() - min(created_at))::float8 AS oldest_undelivered_s,
          extract(epoch FROM now() - min(next_attempt_at) FILTER (WHERE next_attempt_at <= now() AND (locked_until IS NULL OR locked_until <= now())))::float8 AS oldest_due_s
     FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at IS NOT NULL`,
);
