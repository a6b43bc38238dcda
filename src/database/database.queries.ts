import { defineQuery } from './sql';

/** The primary's current WAL position (text), measured before a replica's: what "caught up" compares with. */
export const PRIMARY_WAL_POSITION = defineQuery<Record<string, never>, { position: string }>(
  'database/primary-wal-position',
  `SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS position`,
);

/**
 * A replica's state: in recovery (a standby), whether it has replayed up to `position` (the primary's WAL
 * position measured just before: lag 0), else how many ms ago the last transaction it replayed committed.
 */
export const REPLICA_STATE = defineQuery<{ position: string }, { in_recovery: boolean; caught_up: boolean | null; behind_ms: number | null }>(
  'database/replica-state',
  `SELECT pg_is_in_recovery() AS in_recovery,
          pg_last_wal_replay_lsn() >= :position::pg_lsn AS caught_up,
          (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS behind_ms`,
);
