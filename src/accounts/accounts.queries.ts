import { defineQuery } from '../database/sql';
import type { ApiKeyEntity } from './api-key.entity';
import type { MembershipEntity } from './membership.entity';

// The per-request reads of the accounts feature: each runs as a named prepared statement (preparedRows), one
// round trip, on every authenticated request; the ORM would add nothing here but work per call.

/** The active member's role in the account (the account guard; cached per process for MEMBERSHIP_CACHE_MS). */
export type ActiveMemberRoleRow = Pick<MembershipEntity, 'role'>;
export const ACTIVE_MEMBER_ROLE = defineQuery<{ accountId: string; email: string }, ActiveMemberRoleRow>(
  'accounts/activeMemberRole',
  'SELECT role FROM memberships WHERE account_id = :accountId AND email = :email AND active',
);

/** A live API key by its public prefix (API-key login; the hash is compared in constant time by the caller). */
export type LiveApiKeyRow = Pick<ApiKeyEntity, 'id' | 'accountId' | 'role' | 'keyHash' | 'createdBy'>;
export const LIVE_API_KEY_BY_PREFIX = defineQuery<{ prefix: string }, LiveApiKeyRow>(
  'accounts/liveApiKeyByPrefix',
  `SELECT id, account_id AS "accountId", role, key_hash AS "keyHash", created_by AS "createdBy"
     FROM api_keys WHERE prefix = :prefix AND revoked_at IS NULL`,
);

// Fragments other modules' statements take, so no other module names the columns of `memberships`.

/** The member `email` of `account` when active, row-locked FOR SHARE (rule 5: a removal or deactivation waits). */
export const activeMemberForShare = (account: string, email: string) =>
  `SELECT 1 FROM memberships WHERE account_id = ${account} AND email = ${email} AND active FOR SHARE`;

/**
 * Joins the membership of `email` in `account` as `alias` (null when not a member); its standing reads as
 * `${alias}.active`. For the rotations' candidates, whose members may have left the account.
 */
export const joinMembership = (alias: string, account: string, email: string) =>
  `LEFT JOIN memberships ${alias} ON ${alias}.account_id = ${account} AND ${alias}.email = ${email}`;

/**
 * Joins the account whose id is the text `idText` as `alias` (null when the text is not an id, or no account
 * has it: `${alias}.id` is then null). For records that keep the account a request named only when it exists.
 */
export const joinAccountNamed = (alias: string, idText: string) =>
  `LEFT JOIN accounts ${alias} ON ${alias}.id = CASE WHEN ${idText} ~ '^[1-9][0-9]{0,17}$' THEN ${idText}::bigint END`;

/** The IANA time zone of `account` (a scalar subquery): where the account's calendar days begin and end. */
export const accountTimeZone = (account: string) => `(SELECT time_zone FROM accounts WHERE id = ${account})`;

/**
 * The availability of the member joined as `alias` (see joinMembership) as JSON, for the routing engine:
 * `{timeZone, workingHours, away}`, where timeZone falls back to the account's and `away` lists the member's
 * current and future away periods as [from, until] epoch milliseconds (only when `withAway`, an SQL boolean).
 */
export const memberAvailability = (alias: string, account: string, withAway: string) =>
  `json_build_object('timeZone', coalesce(${alias}.time_zone, ${accountTimeZone(account)}), 'workingHours', ${alias}.working_hours,
     'away', CASE WHEN ${withAway} THEN (SELECT coalesce(json_agg(json_build_array(floor(extract(epoch FROM a.starts_at) * 1000), floor(extract(epoch FROM a.ends_at) * 1000)) ORDER BY a.starts_at, a.id), '[]'::json)
                         FROM member_away_periods a WHERE a.account_id = ${alias}.account_id AND a.user_email = ${alias}.email AND a.ends_at > now()) ELSE '[]'::json END)`;

/** An account's duplicate settings (API.md section 11): read by the leads' checked create paths. */
export interface DuplicateSettingsRow {
  default_country: string;
  duplicate_policy: 'allow' | 'reject' | 'assign_to_owner';
}
export const DUPLICATE_SETTINGS = defineQuery<{ accountId: string }, DuplicateSettingsRow>(
  'accounts/duplicateSettings',
  'SELECT default_country, duplicate_policy FROM accounts WHERE id = :accountId',
);

/**
 * Whether `account`'s settings are still those a one-statement lead insert was prepared with (a boolean
 * subquery): its default country is `country` (text; null: not compared, the leads have no phone) and its
 * duplicate policy is `policy` (text; null: not compared, the request named its own).
 */
export const accountSettingsHold = (account: string, country: string, policy: string) =>
  `EXISTS (SELECT 1 FROM accounts WHERE id = ${account}
      AND (${country} IS NULL OR default_country = ${country})
      AND (${policy} IS NULL OR duplicate_policy = ${policy}))`;
