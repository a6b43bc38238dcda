import { joinMembership } from '../accounts/accounts.queries';
import { defineQuery } from '../database/sql';

/**
 * The rotations feature's raw SQL: its own statements, and the fragments it hands to the leads' one-statement
 * insert (the rotation's turn, the candidates a plan is made from), so no other module names the columns of
 * `rotations` or `rotation_members`. Fragments take SQL expressions (usually `:name` placeholders of the
 * caller's statement); their text is in the callers' snapshots.
 */

/** One member of an active rotation that may serve a lead: the team's (team_id set) or the default (null). */
export interface CandidateRow {
  id: number;
  team_id: number | null;
  members_version: number;
  user_email: string;
  weight: number;
  member_active: boolean | null;
}

/** The candidate rows for account `account` and team `team` (SQL expressions), in rotation and turn order. */
const candidatesSelect = (account: string, team: string) =>
  `SELECT r.id, r.team_id, r.members_version, rm.user_email, rm.weight, ms.active AS member_active, rm.ordinal
     FROM rotations r
     JOIN rotation_members rm ON rm.account_id = r.account_id AND rm.rotation_id = r.id
     ${joinMembership('ms', 'rm.account_id', 'rm.user_email')}
    WHERE r.account_id = ${account} AND r.active AND r.deleted_at IS NULL
      AND (r.team_id IS NULL OR r.team_id = ${team})`;

/**
 * The candidate rows as one JSON array (a scalar subquery), for a caller that reads them inside its own
 * statement and hands them to `AssignmentService.planFrom`: POST /leads reads them with the lead's rule checks
 * in one round trip, and its one-statement insert compares their text with the text its plan was made from.
 */
export const candidatesJson = (account: string, team: string) =>
  `(SELECT coalesce(json_agg(c ORDER BY c.id, c.ordinal), '[]'::json) FROM (${candidatesSelect(account, team)}) c)`;

export const CANDIDATES = defineQuery<{ accountId: string; teamId: number | null }, CandidateRow>(
  'rotations/candidates',
  `${candidatesSelect(':accountId', ':teamId::bigint')} ORDER BY r.id, rm.ordinal`,
);

/** Where a statement has the values of a turn: SQL expressions. */
export interface TurnParams {
  account: string;
  rotation: string;
  /** The `members_version` the plan was made from: the turn is taken only while it holds. */
  version: string;
  /** How many turns to take at once (`turn.slot` is the first of them). */
  step: string;
  /**
   * `lock_timeout` (text, e.g. '3000ms') for the rest of the transaction, set before the row lock is waited
   * for: a busy rotation makes the request fail with 55P03 after that long instead of queueing without end.
   * Transaction-local (`set_config(…, true)`), so it works behind a transaction-mode pooler too.
   */
  lockTimeout: string;
  /** A condition the turn also needs (a data-modifying CTE runs whether or not the rest of the statement reads it). */
  when?: string;
}

/**
 * The CTE `turn` (one column, `slot`): advances the planned rotation by `step` turns in one atomic
 * `UPDATE … SET position = position + step` and yields the first slot taken, or no row when the rotation
 * changed since it was planned (new members, deactivated, deleted): then the caller's insert inserts nothing
 * and the caller plans again. The row lock is held until the caller commits; taking it in the statement that
 * inserts the leads, right before COMMIT, keeps it as short as correctness allows.
 */
export const turnCte = (p: TurnParams) => `turn AS (
      UPDATE rotations SET position = position + ${p.step}
       WHERE account_id = ${p.account} AND id = ${p.rotation} AND active AND deleted_at IS NULL AND members_version = ${p.version}
         ${p.when ? `AND ${p.when}` : ''}
         AND set_config('lock_timeout', ${p.lockTimeout}, true) IS NOT NULL
       RETURNING position - ${p.step} AS slot)`;

/** Who takes turn `slot` (an SQL expression) of a plan: `users` (text[]) at `schedule` (smallint[]) [slot mod W]. */
export const turnAssignee = (p: { users: string; schedule: string }, slot: string) =>
  `(${p.users}::text[])[(${p.schedule}::smallint[])[((${slot}) % cardinality(${p.schedule}::smallint[])) + 1] + 1]`;

export interface NextTurnParams {
  accountId: string;
  rotationId: number;
  membersVersion: number;
  users: string[];
  schedule: number[];
  lockTimeout: string;
}

/** One turn of a planned rotation, for `AssignmentService.nextAssignee`. */
export const NEXT_TURN = defineQuery<NextTurnParams, { assignee: string }>(
  'rotations/next-turn',
  `WITH ${turnCte({ account: ':accountId', rotation: ':rotationId', version: ':membersVersion', step: '1', lockTimeout: ':lockTimeout' })}
  SELECT ${turnAssignee({ users: ':users', schedule: ':schedule' }, 'turn.slot')} AS assignee FROM turn`,
);

