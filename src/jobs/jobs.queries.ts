import { defineQuery } from '../database/sql';

/** The job runner's raw SQL. `npm run sql:snapshot` writes it to queries/jobs.sql. */

/**
 * Takes the job's advisory lock for the rest of the transaction, or answers false at once when another
 * process holds it (transaction-scoped, so it works behind PgBouncer in transaction mode).
 */
export const TRY_LOCK = defineQuery<{ key: string }, { locked: boolean }>(
  'jobs/try-lock',
  `SELECT pg_try_advisory_xact_lock(:key::bigint) AS locked`,
);
