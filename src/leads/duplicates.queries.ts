import { joinMembership } from '../accounts/accounts.queries';
import { defineQuery } from '../database/sql';
import { turnCte } from '../rotations/rotations.queries';
import { LEAD_COLUMNS, type LeadRow } from './dto/lead.dto';

/**
 * The leads feature's SQL for duplicates, merge and bulk create (API.md section 11); in queries/leads.sql with
 * the rest of the feature's statements.
 */

/**
 * Transaction-scoped advisory locks on match keys (`account:kind:key` texts, hashed to 64 bits by PostgreSQL),
 * taken in sorted order so two transactions never wait on each other in a cycle. A create under `reject` or
 * `assign_to_owner` takes them BEFORE it looks for matches, in an earlier statement of its transaction: in READ
 * COMMITTED each statement sees what committed before it began, so the look-up after the lock sees the lead of
 * whoever held the key before (a lock taken inside the look-up's own statement would not). POST /leads's
 * one-statement insert takes none: under `reject`, the fence indexes (src/leads/lead-insert.ts FENCE_INDEXES)
 * order it against every other create, and a checked create it overtakes runs again (runBatchTransaction).
 */
export const LOCK_MATCH_KEYS = defineQuery<{ keys: string[] }, { locked: number }>(
  'leads/lock-match-keys',
  `SELECT count(*)::integer AS locked FROM (
     SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(:keys::text[]) AS k ORDER BY k
   ) locks`,
);

/** A live lead that matches some of the keys asked for, with its assignee's standing in the account. */
export type MatchRow = LeadRow & { email_key: string | null; phone_key: string | null; assignee_active: boolean | null };

/** The most matches read per key: enough to list in a 409 and to find the newest owner. */
export const MATCHES_PER_KEY = 20;

/**
 * The live (unarchived) leads whose email key is one of `:emails` or phone key one of `:phones`, at most
 * `:perKey` per key (the newest), newest first; `:excludeId` left out. Each key is a probe of a partial index
 * (leads_account_email_key_idx, leads_account_phone_key_idx) in created order.
 */
export const FIND_MATCHES = defineQuery<{ accountId: string; emails: string[]; phones: string[]; perKey: number; excludeId: number | null }, MatchRow>(
  'leads/find-matches',
  `SELECT ${LEAD_COLUMNS.split(',')
    .map((c) => `m.${c.trim()}`)
    .join(', ')}, m.email_key, m.phone_key, ms.active AS assignee_active
     FROM (
       SELECT l.id FROM unnest(:emails::text[]) AS k, LATERAL (
         SELECT id FROM leads WHERE account_id = :accountId AND email_key = k AND NOT archived AND id IS DISTINCT FROM :excludeId::bigint
          ORDER BY created_at DESC, id DESC LIMIT :perKey) l
       UNION
       SELECT l.id FROM unnest(:phones::text[]) AS k, LATERAL (
         SELECT id FROM leads WHERE account_id = :accountId AND phone_key = k AND NOT archived AND id IS DISTINCT FROM :excludeId::bigint
          ORDER BY created_at DESC, id DESC LIMIT :perKey) l
     ) ids
     JOIN leads m ON m.account_id = :accountId AND m.id = ids.id
     ${joinMembership('ms', 'm.account_id', 'm.assigned_to')}
    ORDER BY m.created_at DESC, m.id DESC`,
);

/** A lead's match keys (GET /leads/{id}/duplicates). */
export const LEAD_MATCH_KEYS = defineQuery<{ accountId: string; id: number }, { email_key: string | null; phone_key: string | null }>(
  'leads/match-keys',
  `SELECT email_key, phone_key FROM leads WHERE account_id = :accountId AND id = :id`,
);

/** The leads of a merge (target and sources), locked in id order as every change of a lead locks it. */
export const LOCK_LEADS = defineQuery<{ accountId: string; ids: number[] }, LeadRow>(
  'leads/lock-many',
  `SELECT ${LEAD_COLUMNS} FROM leads WHERE account_id = :accountId AND id = ANY(:ids::bigint[]) ORDER BY id FOR NO KEY UPDATE`,
);

/** The sources of a merge: archived, pointing at their target. */
export const ARCHIVE_MERGED = defineQuery<{ accountId: string; ids: number[]; targetId: number }, LeadRow>(
  'leads/archive-merged',
  `UPDATE leads SET archived = true, merged_into_id = :targetId, first_touch_due_at = NULL, updated_at = now()
    WHERE account_id = :accountId AND id = ANY(:ids::bigint[]) RETURNING ${LEAD_COLUMNS}`,
);
