import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { preparedRows, sqlRows } from '../database/sql';
import { isActiveMember, toMemberState, type RotationMemberState } from './rotation-members';
import { smoothWeightedSchedule } from './weighted-round-robin';
import { RotationErrors } from './rotations.errors';

export interface SkippedMember {
  user: string;
  reason: 'inactive' | 'not_a_member';
}

export interface Assignment {
  /** Who gets the lead */
  user: string;
  /** The rotation that chose them (and was advanced by one turn) */
  rotationId: number;
  /** Members of the rotations considered who were passed over because they are no longer active in the account */
  skipped: SkippedMember[];
  /** The team's active rotation, when it had no active member left and the default rotation served instead */
  fallbackFromTeamRotationId: number | null;
}

interface Candidate {
  id: number;
  teamId: number | null;
  membersVersion: number;
  members: RotationMemberState[];
}

const MAX_ID = 2_147_483_647;

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
     LEFT JOIN memberships ms ON ms.account_id = rm.account_id AND ms.email = rm.user_email
    WHERE r.account_id = ${account} AND r.active AND r.deleted_at IS NULL
      AND (r.team_id IS NULL OR r.team_id = ${team})`;

const CANDIDATES_SQL = `${candidatesSelect('$1', '$2::integer')} ORDER BY r.id, rm.ordinal`;

/**
 * The candidate rows as one JSON array (a scalar subquery), for a caller that reads them inside its own
 * statement and hands them to `planFrom`: POST /leads reads them with the lead's rule checks in one round trip.
 */
export const CANDIDATES_JSON = (account: string, team: string) =>
  `(SELECT coalesce(json_agg(c ORDER BY c.id, c.ordinal), '[]'::json) FROM (${candidatesSelect(account, team)}) c)`;
/** A retry happens only when a rotation changed between our read and our update; a few always suffice in practice. */
const MAX_ATTEMPTS = 5;

/**
 * What the rotation that serves a lead would do, read without taking any lock. The turn itself is taken
 * later by the caller, in the statement that inserts the lead (see `TURN_CTE`), or by `nextAssignee`.
 */
export interface AssignmentPlan {
  rotationId: number;
  /** The rotation's member list version the schedule was computed from: the turn is taken only if it still holds */
  membersVersion: number;
  /** The active members, in member order */
  users: string[];
  /** One period of the smooth weighted round robin, as indexes into `users`: turn s goes to users[schedule[s mod W]] */
  schedule: number[];
  skipped: SkippedMember[];
  fallbackFromTeamRotationId: number | null;
}

/**
 * Two CTEs, `turn_step` and `turn`, for the caller's INSERT: advances the planned rotation by one atomic
 * `UPDATE … SET position = position + 1` and yields `(slot, assignee)`, or no row when the rotation changed
 * since it was planned (new members, deactivated, deleted), in which case the caller's insert inserts nothing
 * and the caller plans again. Parameters by name: `$account`, `$rotation`, `$version`, `$users` (text[]),
 * `$schedule` (smallint[]), replaced by the caller's positional placeholders; `when`, a condition the turn
 * also needs (a data-modifying CTE runs whether or not the rest of the statement reads it); `step`, how many
 * turns to take at once (default 1; `slot` is then the first of them).
 *
 * The row lock the UPDATE takes is held until the caller commits; taking it in the same statement as the
 * lead and audit inserts, right before COMMIT, keeps it as short as correctness allows.
 */
export function turnCte(p: { account: string; rotation: string; version: string; users: string; schedule: string; when?: string; step?: string }): string {
  const step = p.step ?? '1';
  return `turn_step AS (
      UPDATE rotations SET position = position + ${step}
       WHERE account_id = ${p.account} AND id = ${p.rotation} AND active AND deleted_at IS NULL AND members_version = ${p.version}
         ${p.when ? `AND ${p.when}` : ''}
       RETURNING position - ${step} AS slot),
    turn AS (
      SELECT slot, (${p.users}::text[])[(${p.schedule}::smallint[])[(slot % cardinality(${p.schedule}::smallint[])) + 1] + 1] AS assignee
        FROM turn_step)`;
}

/**
 * The assignment engine: who gets the next lead without `assignedTo`.
 *
 * Each rotation's `position` counts the turns it handed out. Turn s goes to `schedule[s mod W]`, the smooth
 * weighted round robin over the members active in the account (in member order, W = sum of their weights).
 * The position is advanced by one atomic `UPDATE … SET position = position + 1 … RETURNING position - 1`,
 * which row-locks the rotation until the caller's transaction ends: concurrent assignments, in any number of
 * processes, serialise on that row and never get the same slot, and a rolled-back lead gives its slot back.
 * The members are read before (`plan`, no lock) and the update only applies while the rotation's
 * `members_version` is the one planned with, so a slot is always interpreted with the member list it belongs
 * to; otherwise nothing is taken and the engine plans again. A member deactivated after the read may still get
 * that one lead, exactly as if the lead had been created a moment earlier.
 */
@Injectable()
export class AssignmentService {
  /**
   * The team's active rotation, else the account's active default (when the lead has no team, the team has no
   * active rotation, or that rotation has no active member left); null when none serves.
   */
  async plan(manager: EntityManager, accountId: string, teamId: number | null): Promise<AssignmentPlan | null> {
    const team = teamId !== null && Number.isInteger(teamId) && teamId >= 1 && teamId <= MAX_ID ? teamId : null;
    return this.planFrom(await preparedRows<CandidateRow>(manager, CANDIDATES_SQL, [accountId, team]));
  }

  /** `plan`, from candidate rows a caller already read (CANDIDATES_JSON inside its own statement). */
  planFrom(rows: readonly CandidateRow[]): AssignmentPlan | null {
    const candidates = toCandidates(rows);
    const teamRotation = candidates.find((c) => c.teamId !== null);
    const defaultRotation = candidates.find((c) => c.teamId === null);

    let chosen: Candidate | undefined;
    let fallbackFromTeamRotationId: number | null = null;
    const passedOver: RotationMemberState[] = [];
    if (teamRotation) {
      if (teamRotation.members.some(isActiveMember)) chosen = teamRotation;
      else {
        fallbackFromTeamRotationId = teamRotation.id;
        passedOver.push(...teamRotation.members);
      }
    }
    if (!chosen && defaultRotation?.members.some(isActiveMember)) chosen = defaultRotation;
    if (!chosen) return null;
    passedOver.push(...chosen.members);
    const active = chosen.members.filter(isActiveMember);
    return {
      rotationId: chosen.id,
      membersVersion: chosen.membersVersion,
      users: active.map((m) => m.user),
      schedule: Array.from(smoothWeightedSchedule(active.map((m) => m.weight))),
      skipped: skippedOf(passedOver),
      fallbackFromTeamRotationId,
    };
  }

  /**
   * Called inside the caller's transaction; plans (see `plan`) and takes the turn at once, returning who gets
   * it. Callers that insert a row for the turn should rather take it in their insert (`turnCte`).
   */
  async nextAssignee(manager: EntityManager, accountId: string, teamId: number | null): Promise<Assignment | null> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const plan = await this.plan(manager, accountId, teamId);
      if (!plan) return null;
      const [row] = await sqlRows<{ assignee: string }>(
        manager,
        `WITH ${turnCte({ account: '$1', rotation: '$2', version: '$3', users: '$4', schedule: '$5' })} SELECT assignee FROM turn`,
        [accountId, plan.rotationId, plan.membersVersion, plan.users, plan.schedule],
      );
      if (row) return toAssignment(plan, row.assignee);
    }
    throw RotationErrors.keptChanging();
  }
}

/** Candidate rows, grouped by rotation, members in turn order. */
function toCandidates(rows: readonly CandidateRow[]): Candidate[] {
  const byId = new Map<number, Candidate>();
  for (const r of rows) {
    let c = byId.get(r.id);
    if (!c) byId.set(r.id, (c = { id: r.id, teamId: r.team_id, membersVersion: r.members_version, members: [] }));
    c.members.push(toMemberState(r));
  }
  return [...byId.values()];
}

/** The assignment a plan made once its turn went to `user`. */
export function toAssignment(plan: AssignmentPlan, user: string): Assignment {
  return { user, rotationId: plan.rotationId, skipped: plan.skipped, fallbackFromTeamRotationId: plan.fallbackFromTeamRotationId };
}

function skippedOf(members: RotationMemberState[]): SkippedMember[] {
  const seen = new Set<string>();
  const out: SkippedMember[] = [];
  for (const m of members) {
    if (m.status === 'active' || seen.has(m.user)) continue;
    seen.add(m.user);
    out.push({ user: m.user, reason: m.status });
  }
  return out;
}
