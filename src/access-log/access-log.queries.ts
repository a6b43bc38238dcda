import { accountTimeZone, joinAccountNamed } from '../accounts/accounts.queries';
import { defineSql } from '../database/named-sql';
import { defineQuery } from '../database/sql';

/**
 * The access-log feature's raw SQL: the recorder's batched insert, GET /access-logs and an API key's usage, and
 * the daily partitions' upkeep. `npm run sql:snapshot` writes these statements to queries/access-log.sql.
 */

/** The recorder's batch, one array per column (index i of every array is record i). */
export interface InsertRecordsParams {
  atMs: number[];
  /** The raw `x-account-id` (kept only when it names an existing account) */
  account: (string | null)[];
  userEmail: (string | null)[];
  apiKeyId: (number | null)[];
  method: string[];
  route: (string | null)[];
  status: number[];
  durationMs: number[];
  ip: (string | null)[];
  userAgent: (string | null)[];
  requestId: string[];
}

/** Writes a batch of records in one statement, in the order given; `account_id` stays null for no such account. */
export const INSERT_RECORDS = defineQuery<InsertRecordsParams, never>(
  'access-log/insert-records',
  `INSERT INTO access_log (at, account_id, user_email, api_key_id, method, route, status, duration_ms, ip, user_agent, request_id)
  SELECT to_timestamp(r.at_ms / 1000.0), a.id, r.user_email, r.api_key_id, r.method, r.route, r.status, r.duration_ms,
         r.ip, r.user_agent, r.request_id
    FROM unnest(:atMs::float8[], :account::text[], :userEmail::text[], :apiKeyId::int[], :method::text[], :route::text[],
                :status::int[], :durationMs::int[], :ip::text[], :userAgent::text[], :requestId::text[]) WITH ORDINALITY
         AS r(at_ms, account, user_email, api_key_id, method, route, status, duration_ms, ip, user_agent, request_id, n)
    ${joinAccountNamed('a', 'r.account')}
   ORDER BY r.n`,
);

export interface RecordRow {
  id: string;
  at: Date;
  /** `at` to the microsecond (UTC), for the cursor */
  at_key: string;
  account_id: string | null;
  user_email: string | null;
  api_key_id: number | null;
  method: string;
  route: string | null;
  status: number;
  duration_ms: number;
  ip: string | null;
  user_agent: string | null;
  request_id: string;
}

export interface ListParams {
  accountId: string;
  /** UTC instants (ISO 8601) */
  from: string | null;
  to: string | null;
  /** Status range [statusFrom, statusBelow): `4xx` is [400, 500), `404` is [404, 405) */
  statusFrom: number | null;
  statusBelow: number | null;
  user: string | null;
  apiKeyId: number | null;
  method: string | null;
  route: string | null;
  /** The cursor: the last record of the previous page */
  beforeAt: string | null;
  beforeId: string | null;
  limit: number;
}

/**
 * GET /access-logs: an account's records, newest first. Filters left null drop out when the statement is
 * planned (it runs unprepared, so PostgreSQL plans it with the values: `NULL IS NULL` folds away and the `at`
 * bounds still prune the partitions).
 */
export const LIST = defineQuery<ListParams, RecordRow>(
  'access-log/list',
  `SELECT id, at, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_key, account_id, user_email,
         api_key_id, method, route, status, duration_ms, ip, user_agent, request_id
    FROM access_log
   WHERE account_id = :accountId
     AND (:from::timestamptz IS NULL OR at >= :from::timestamptz)
     AND (:to::timestamptz IS NULL OR at < :to::timestamptz)
     AND (:statusFrom::int IS NULL OR (status >= :statusFrom::int AND status < :statusBelow::int))
     AND (:user::text IS NULL OR user_email = :user::text)
     AND (:apiKeyId::int IS NULL OR api_key_id = :apiKeyId::int)
     AND (:method::text IS NULL OR method = :method::text)
     AND (:route::text IS NULL OR route = :route::text)
     AND (:beforeAt::timestamptz IS NULL OR (at, id) < (:beforeAt::timestamptz, :beforeId::bigint))
   ORDER BY at DESC, id DESC LIMIT :limit`,
);

export interface UsageParams {
  accountId: string;
  apiKeyId: number;
  /** UTC instants (ISO 8601): [from, to) */
  from: string;
  to: string;
}

export interface UsageRow {
  day: string;
  requests: string;
  s2: string;
  s4: string;
  s5: string;
}

/** An API key's requests per day of the account's time zone, with their counts by status class. */
export const USAGE = defineQuery<UsageParams, UsageRow>(
  'access-log/usage',
  `SELECT to_char((at AT TIME ZONE ${accountTimeZone(':accountId::bigint')})::date, 'YYYY-MM-DD') AS day, count(*) AS requests,
         count(*) FILTER (WHERE status BETWEEN 200 AND 299) AS s2,
         count(*) FILTER (WHERE status BETWEEN 400 AND 499) AS s4,
         count(*) FILTER (WHERE status >= 500) AS s5
    FROM access_log
   WHERE account_id = :accountId AND api_key_id = :apiKeyId AND at >= :from::timestamptz AND at < :to::timestamptz
   GROUP BY 1 ORDER BY 1`,
);

/* ---- Partitions ---- */

/** The partitions attached to access_log (the daily ones and access_log_default). */
export const PARTITIONS = defineQuery<Record<string, never>, { name: string }>(
  'access-log/partitions',
  `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'access_log'::regclass`,
);

export const TABLE_EXISTS = defineQuery<{ name: string }, { found: boolean }>(
  'access-log/table-exists',
  `SELECT to_regclass(:name) IS NOT NULL AS found`,
);

/** Whether the default partition holds rows of [from, to) (that day's partition was missing when they came). */
export const STRAY_ROWS = defineQuery<{ from: string; to: string }, { stray: boolean }>(
  'access-log/stray-rows',
  `SELECT EXISTS (SELECT 1 FROM access_log_default WHERE at >= :from AND at < :to) AS stray`,
);

/** Moves the default partition's rows of [from, to) into a temporary table (dropped at commit at the latest). */
export const MOVE_STRAY_OUT = defineQuery<{ from: string; to: string }, never>(
  'access-log/move-stray-out',
  `CREATE TEMP TABLE access_log_moving ON COMMIT DROP AS
     WITH moved AS (DELETE FROM access_log_default WHERE at >= :from AND at < :to RETURNING *) SELECT * FROM moved`,
);

/** Puts the moved rows back, into the partition just created. */
export const MOVE_STRAY_BACK = defineQuery<Record<string, never>, never>(
  'access-log/move-stray-back',
  `INSERT INTO access_log SELECT * FROM access_log_moving`,
);

export const DROP_MOVING = defineQuery<Record<string, never>, never>('access-log/drop-moving', `DROP TABLE access_log_moving`);

/*
 * DDL on a computed table name cannot take bind parameters (PostgreSQL binds values, never identifiers, and
 * CREATE TABLE ... PARTITION OF takes no parameters at all), so these two are built here as text. What goes
 * into the text is checked strictly first: the name must be exactly `access_log_pYYYYMMDD` and the bounds
 * exact UTC instants, so nothing else can ever reach the statement.
 */

const DAY_MS = 86_400_000;
/** A daily partition's name: `access_log_p` and its UTC day. */
export const PARTITION_NAME = /^access_log_p(\d{4})(\d{2})(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The partition of the UTC day starting at `dayMs`. */
export function partitionName(dayMs: number): string {
  return `access_log_p${new Date(dayMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

function checkedName(name: string): string {
  if (!PARTITION_NAME.test(name)) throw new Error(`not an access-log partition name: ${JSON.stringify(name)}`);
  return name;
}

/** `CREATE TABLE` of the partition of the UTC day starting at `dayMs` (a whole day, midnight to midnight). */
export function createPartitionSql(dayMs: number): string {
  if (!Number.isInteger(dayMs) || dayMs % DAY_MS !== 0) throw new Error(`not the start of a UTC day: ${dayMs}`);
  const from = new Date(dayMs).toISOString();
  const to = new Date(dayMs + DAY_MS).toISOString();
  if (!INSTANT.test(from) || !INSTANT.test(to)) throw new Error(`day out of range: ${dayMs}`);
  return `CREATE TABLE ${checkedName(partitionName(dayMs))} PARTITION OF access_log FOR VALUES FROM ('${from}') TO ('${to}')`;
}

/** `DROP TABLE` of a daily partition (retention); anything but an `access_log_pYYYYMMDD` name is refused. */
export function dropPartitionSql(name: string): string {
  return `DROP TABLE ${checkedName(name)}`;
}

// The built DDL in the snapshot too (for one fixed day), so a change of its text shows in the diff like the rest.
defineSql('access-log/create-partition.example', createPartitionSql(Date.UTC(2000, 0, 1)));
defineSql('access-log/drop-partition.example', dropPartitionSql(partitionName(Date.UTC(2000, 0, 1))));
