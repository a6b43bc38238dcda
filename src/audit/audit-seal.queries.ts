import { defineQuery } from '../database/sql';
import type { SealAlgorithm } from './audit-seal.canonical';
import { AUDIT_COLUMNS, type AuditRow } from './audit.queries';

/**
 * The audit seals' raw SQL (AuditSealService: sealing in the background, GET /audit-logs/verify). Their text is
 * in queries/audit.sql with the rest of the audit feature.
 */

export interface WatermarkRow {
  /** The audit_log id sequence's last value (0 before the first entry) */
  through: string;
  /** The current snapshot's xmin and xmax */
  xmin: string;
  xmax: string;
}

/** Where a run may seal up to once the transactions running now have ended (see AuditSealService). */
export const WATERMARK = defineQuery<Record<string, never>, WatermarkRow>(
  'audit/seal-watermark',
  `SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('audit_log', 'id')::regclass), 0)::text AS through,
         pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`,
);

/** Every entry up to `done` is sealed. */
export const SEALED_THROUGH = defineQuery<Record<string, never>, { done: string }>(
  'audit/seal-sealed-through',
  `SELECT coalesce(max(sealed_through), 0)::text AS done FROM audit_seals`,
);

/** The next slice to seal, every account's entries in (after, through], in id order. */
export const ENTRIES_TO_SEAL = defineQuery<{ after: string; through: string; limit: number }, AuditRow>(
  'audit/seal-entries',
  `SELECT ${AUDIT_COLUMNS} FROM audit_log
    WHERE id > :after AND id <= :through ORDER BY id LIMIT :limit`,
);

/** Each of `accountIds`' last seal's hash (the link of its next seal); accounts never sealed have no row. */
export const CHAIN_HEADS = defineQuery<{ accountIds: string[] }, { account_id: string; hash: string }>(
  'audit/seal-chain-heads',
  `SELECT DISTINCT ON (account_id) account_id::text, hash FROM audit_seals WHERE account_id = ANY(:accountIds::bigint[])
    ORDER BY account_id, last_entry_id DESC`,
);

export interface InsertSealParams {
  accountId: string;
  firstEntryId: string;
  lastEntryId: string;
  entryCount: number;
  entryIds: string[];
  /** 8 bytes per entry, in entry order */
  entryDigests: Buffer;
  previousHash: string | null;
  hash: string;
  algorithm: SealAlgorithm;
  sealedThrough: string;
}

export const INSERT_SEAL = defineQuery<InsertSealParams, never>(
  'audit/seal-insert',
  `INSERT INTO audit_seals (account_id, first_entry_id, last_entry_id, entry_count, entry_ids, entry_digests,
                           previous_hash, hash, algorithm, sealed_through)
  VALUES (:accountId, :firstEntryId, :lastEntryId, :entryCount, :entryIds::bigint[], :entryDigests,
          :previousHash, :hash, :algorithm, :sealedThrough)`,
);

export interface SealRow {
  id: string;
  first_entry_id: string;
  last_entry_id: string;
  entry_ids: string[];
  entry_digests: Buffer;
  previous_hash: string | null;
  hash: string;
  algorithm: SealAlgorithm;
}

/** The account's seals made in [from, to) (null: unbounded), in chain order. */
export const SEALS = defineQuery<{ accountId: string; from: string | null; to: string | null }, SealRow>(
  'audit/seal-list',
  `SELECT id, first_entry_id, last_entry_id, entry_ids::text[] AS entry_ids, entry_digests, previous_hash, hash, algorithm
    FROM audit_seals
   WHERE account_id = :accountId
     AND (:from::timestamptz IS NULL OR sealed_at >= :from::timestamptz)
     AND (:to::timestamptz IS NULL OR sealed_at < :to::timestamptz)
   ORDER BY last_entry_id`,
);

/** The account's seal just before the one ending at `lastEntryId` (the link the first verified seal needs). */
export const SEAL_BEFORE = defineQuery<{ accountId: string; lastEntryId: string }, Pick<SealRow, 'last_entry_id' | 'hash'>>(
  'audit/seal-before',
  `SELECT last_entry_id, hash FROM audit_seals WHERE account_id = :accountId AND last_entry_id < :lastEntryId
    ORDER BY last_entry_id DESC LIMIT 1`,
);

/** The account's entries in (after, through] as they are now, in id order (what one seal covers). */
export const SEALED_ENTRIES = defineQuery<{ accountId: string; after: string; through: string }, AuditRow>(
  'audit/seal-covered-entries',
  `SELECT ${AUDIT_COLUMNS} FROM audit_log
    WHERE account_id = :accountId AND id > :after AND id <= :through ORDER BY id`,
);
