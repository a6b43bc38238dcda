import { joinMembership, memberAvailability } from '../accounts/accounts.queries';
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
  respect_availability: boolean;
  /** The rotation's first-touch timer (seconds; null: off) */
  first_touch_seconds: number | null;
  user_email: string;
  weight: number;
  member_active: boolean | null;
  cap_day: number | null;
  cap_week: number | null;
  /** Only for a rotation with availability or a member with caps (what the routing engine needs then) */
  availability: { timeZone: string; workingHours: Record<string, [string, string][]> | null; away: [number, number][] } | null;
}

/**
 * A rotation member's columns as the routing engine reads them (`r` the rotation, `rm` the member); `account` is
 * the statement's account (an expression that does not depend on the row, so the account's zone is read once).
 */
const routingColumns = (account: string) => `r.id, r.team_id, r.members_version, r.respect_availability, r.first_touch_seconds, rm.user_email, rm.weight, ms.active AS member_active,
            rm.cap_day, rm.cap_week,
            CASE WHEN r.respect_availability OR rm.cap_day IS NOT NULL OR rm.cap_week IS NOT NULL
                 THEN ${memberAvailability('ms', account, 'r.respect_availability')} END AS availability, rm.ordinal`;

const routingFrom = `FROM rotations r
     JOIN rotation_members rm ON rm.account_id = r.account_id AND rm.rotation_id = r.id
     ${joinMembership('ms', 'rm.account_id', 'rm.user_email')}`;

/** The candidate rows for account `account` and team `team` (SQL expressions), in rotation and turn order. */
const candidatesSelect = (account: string, team: string) =>
  `SELECT ${routingColumns(account)}
     ${routingFrom}
    WHERE r.account_id = ${account} AND r.active AND r.deleted_at IS NULL
      AND (r.team_id IS NULL OR r.team_id = ${team})`;

/** The routing rows of given rotations (live or not), for preview and `nextUser`. */
export const ROTATION_ROUTING = defineQuery<{ accountId: string; ids: number[] }, CandidateRow>(
  'rotations/routing',
  `SELECT ${routingColumns(':accountId::bigint')}
     ${routingFrom}
    WHERE r.account_id = :accountId AND r.id = ANY(:ids::bigint[]) ORDER BY r.id, rm.ordinal`,
);

/** A rotation's position and its cap counters (`{user: {dayStart, day, weekStart, week}}`). */
export interface RotationStateRow {
  id: number;
  position: string;
  members_version: number;
  counters: Record<string, { dayStart: string; day: number; weekStart: string; week: number }>;
}

const stateColumns = `r.id, r.position, r.members_version, r.cap_counters AS counters`;

/** The state of rotations `ids`, read without a lock (preview, `nextUser`). */
export const ROTATION_STATE = defineQuery<{ accountId: string; ids: number[] }, RotationStateRow>(
  'rotations/state',
  `SELECT ${stateColumns} FROM rotations r WHERE r.account_id = :accountId AND r.id = ANY(:ids::bigint[]) ORDER BY r.id`,
);

/**
 * The state of the live rotations `ids`, row-locked FOR UPDATE (in id order) until the transaction ends: the
 * checked path of a rotation with caps or availability decides with counters no one else can change meanwhile.
 * Position and counters are columns of the locked row itself, so after waiting for the lock both are read as
 * the last turn left them (a subquery would read its statement's older snapshot). `lock_timeout` is set
 * first, as for `turnCte`.
 */
export const LOCK_ROTATION_STATE = defineQuery<{ accountId: string; ids: number[]; lockTimeout: string }, RotationStateRow>(
  'rotations/lock-state',
  `SELECT ${stateColumns} FROM rotations r
    WHERE r.account_id = :accountId AND r.id = ANY(:ids::bigint[]) AND r.active AND r.deleted_at IS NULL
      AND set_config('lock_timeout', :lockTimeout::text, true) IS NOT NULL
    ORDER BY r.id FOR UPDATE OF r`,
);

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

/** Where a statement has the values of a decided turn (the routing engine chose from a known state): SQL expressions. */
export interface DecidedTurnParams {
  account: string;
  rotation: string;
  version: string;
  /** The position the decision was made from: the turn is taken only while it still holds (nothing moved since) */
  position: string;
  /** How many turns the leads take */
  taken: string;
  /** JSON object {user: {dayStart, day, weekStart, week}}: the counters that changed, after the leads (absolute values) */
  counters: string;
  lockTimeout: string;
  when?: string;
}

/**
 * The CTE `turn` (one column, `slot`) for a decision the routing engine made from the rotation's state (position
 * and counters): the rotation moves from `position` to `position + taken` and its counters take the changed
 * members' new values, in one UPDATE, only if it is still at `position` with the same members (otherwise no row
 * and nothing written: the caller decides again). Position only grows between member changes, so an unchanged
 * position means no turn was taken since, and the counters read with it still hold.
 */
export const decidedTurnCtes = (p: DecidedTurnParams) => `turn AS (
      UPDATE rotations SET position = position + ${p.taken}, cap_counters = cap_counters || ${p.counters}
       WHERE account_id = ${p.account} AND id = ${p.rotation} AND active AND deleted_at IS NULL AND members_version = ${p.version}
         AND position = ${p.position}
         ${p.when ? `AND ${p.when}` : ''}
         AND set_config('lock_timeout', ${p.lockTimeout}, true) IS NOT NULL
       RETURNING position - ${p.taken} AS slot)`;

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

/** One turn of a planned position-only rotation, for `AssignmentService.assignMany`. */
export const NEXT_TURN = defineQuery<NextTurnParams, { assignee: string }>(
  'rotations/next-turn',
  `WITH ${turnCte({ account: ':accountId', rotation: ':rotationId', version: ':membersVersion', step: '1', lockTimeout: ':lockTimeout' })}
  SELECT ${turnAssignee({ users: ':users', schedule: ':schedule' }, 'turn.slot')} AS assignee FROM turn`,
);

export interface DecidedTurnValues {
  accountId: string;
  rotationId: number;
  membersVersion: number;
  fromPosition: string;
  taken: number;
  counters: string;
  lockTimeout: string;
}

/** `decidedTurnCtes` over the named parameters of DecidedTurnValues (a statement adds its own `when`). */
export const DECIDED_TURN_PARAMETERS: DecidedTurnParams = {
  account: ':accountId::bigint',
  rotation: ':rotationId::bigint',
  version: ':membersVersion::integer',
  position: ':fromPosition::bigint',
  taken: ':taken::integer',
  counters: ':counters::jsonb',
  lockTimeout: ':lockTimeout::text',
};

/** A decided turn (position and counters) on its own, for `AssignmentService.assignMany` (the rotation is locked already). */
export const TAKE_DECIDED_TURN = defineQuery<DecidedTurnValues, { slot: string }>(
  'rotations/take-decided-turn',
  `WITH ${decidedTurnCtes(DECIDED_TURN_PARAMETERS)}
  SELECT slot FROM turn`,
);

/** A rotation's first-touch settings (API.md 10), for the breach job; no row when it is gone (deleted). */
export const ROTATION_FIRST_TOUCH = defineQuery<{ accountId: string; id: number }, { first_touch_seconds: number | null; max_reassignments: number; live: boolean }>(
  'rotations/first-touch',
  `SELECT first_touch_seconds, max_reassignments, (active AND deleted_at IS NULL) AS live
     FROM rotations WHERE account_id = :accountId::bigint AND id = :id::bigint`,
);
