import { defineQuery } from '../database/sql';

/**
 * The Idempotency-Key statements (IdempotencyService). Their ids are under `leads/`, so their texts are in
 * queries/leads.sql with the rest of the feature's. `created_at` against `:ttl` (an interval, '24 hours').
 */

/** The key's transaction-scoped advisory lock, taken only when free (a waiter never waits inside a transaction). */
export const TRY_LOCK_KEY = defineQuery<{ lockName: string }, { locked: boolean }>(
  'leads/idempotency-try-lock',
  `SELECT pg_try_advisory_xact_lock(hashtextextended(:lockName, 0)) AS locked`,
);

export interface StoredAnswerRow<T> {
  request_hash: string;
  response_status: number;
  response_body: T;
}

/** The key's stored answer while it lives. */
export const STORED_ANSWER = defineQuery<{ accountId: string; key: string; ttl: string }, StoredAnswerRow<unknown>>(
  'leads/idempotency-stored-answer',
  `SELECT request_hash, response_status, response_body FROM idempotency_keys
    WHERE account_id = :accountId AND key = :key AND created_at > now() - :ttl::interval`,
);

/** Stores an answer, replacing an expired row of the key (one row back when stored). `json`, never `jsonb`: the replay is the first answer byte for byte, key order kept. */
export const STORE_ANSWER = defineQuery<
  { accountId: string; key: string; fingerprint: string; status: number; body: string; ttl: string },
  { stored: number }
>(
  'leads/idempotency-store-answer',
  `INSERT INTO idempotency_keys (account_id, key, request_hash, response_status, response_body)
   VALUES (:accountId, :key, :fingerprint, :status, :body::json)
   ON CONFLICT (account_id, key) DO UPDATE
     SET request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status,
         response_body = EXCLUDED.response_body, created_at = EXCLUDED.created_at
     WHERE idempotency_keys.created_at <= now() - :ttl::interval
   RETURNING 1 AS stored`,
);

/** Deletes up to `:batch` of the account's expired keys, skipping rows others hold (it never waits). */
export const PURGE_EXPIRED = defineQuery<{ accountId: string; ttl: string; batch: number }, never>(
  'leads/idempotency-purge-expired',
  `DELETE FROM idempotency_keys WHERE (account_id, key) IN (
     SELECT account_id, key FROM idempotency_keys
      WHERE account_id = :accountId AND created_at <= now() - :ttl::interval
      LIMIT :batch FOR UPDATE SKIP LOCKED)`,
);
