import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { sqlRows } from '../database/sql';
import { isActiveMember, toMemberState, userForSlot, type RotationMemberState } from './rotation-members';
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
/** A retry happens only when a rotation changed between our read and our update; a few always suffice in practice. */
const MAX_ATTEMPTS = 5;

/**
 * The assignment engine: who gets the next lead without `assignedTo`.
 *
 * Each rotation's `position` counts the turns it handed out. Turn s goes to `schedule[s mod W]`, the smooth
 * weighted round robin over the members active in the account (in member order, W = sum of their weights).
 * The position is advanced by one atomic `UPDATE … SET position = position + 1 RETURNING position - 1`, which
 * row-locks the rotation until the caller's transaction ends: concurrent assignments, in any number of
 * processes, serialise on that row and never get the same slot, and a rolled-back lead gives its slot back.
 * The members are read before that update so the lock is held for as short a time as possible; the update
 * also returns `members_version`, and if the member list changed in between (a PATCH, which resets the
 * position to 0) the engine undoes its step while still holding the lock and reads again, so a slot is always
 * interpreted with the member list it belongs to. A member deactivated after the read may still get that one
 * lead, exactly as if the lead had been created a moment earlier.
 */
@Injectable()
export class AssignmentService {
  /**
   * Called inside the caller's transaction; picks the team's active rotation, else the account's active
   * default (when the lead has no team, the team has no active rotation, or that rotation has no active member
   * left); null when none serves. Advances the chosen rotation in the same transaction.
   */
  async nextAssignee(manager: EntityManager, accountId: string, teamId: number | null): Promise<Assignment | null> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const candidates = await this.readCandidates(manager, accountId, teamId);
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

      const slot = await this.takeSlot(manager, accountId, chosen);
      if (slot === null) continue;
      return {
        user: userForSlot(chosen.members, slot)!,
        rotationId: chosen.id,
        skipped: skippedOf(passedOver),
        fallbackFromTeamRotationId,
      };
    }
    throw RotationErrors.keptChanging();
  }

  /** The active rotations that may serve a lead of `teamId`: the team's and the account's default, with members. */
  private async readCandidates(m: EntityManager, accountId: string, teamId: number | null): Promise<Candidate[]> {
    const team = teamId !== null && Number.isInteger(teamId) && teamId >= 1 && teamId <= MAX_ID ? teamId : null;
    const rows: { id: number; team_id: number | null; members_version: number; user_email: string; weight: number; member_active: boolean | null }[] =
      await m.query(
        `SELECT r.id, r.team_id, r.members_version, rm.user_email, rm.weight, ms.active AS member_active
           FROM rotations r
           JOIN rotation_members rm ON rm.account_id = r.account_id AND rm.rotation_id = r.id
           LEFT JOIN memberships ms ON ms.account_id = rm.account_id AND ms.email = rm.user_email
          WHERE r.account_id = $1 AND r.active AND r.deleted_at IS NULL
            AND (r.team_id IS NULL OR r.team_id = $2::integer)
          ORDER BY r.id, rm.ordinal`,
        [accountId, team],
      );
    const byId = new Map<number, Candidate>();
    for (const r of rows) {
      let c = byId.get(r.id);
      if (!c) byId.set(r.id, (c = { id: r.id, teamId: r.team_id, membersVersion: r.members_version, members: [] }));
      c.members.push(toMemberState(r));
    }
    return [...byId.values()];
  }

  /**
   * Takes the rotation's next slot with one atomic statement (the row stays locked until the caller commits).
   * Null when the rotation changed since `c` was read: deactivated or deleted (nothing taken), or given new
   * members (the step is undone under the lock); the caller then reads again.
   */
  private async takeSlot(m: EntityManager, accountId: string, c: Candidate): Promise<bigint | null> {
    const [row] = await sqlRows<{ slot: string; members_version: number }>(
      m,
      `UPDATE rotations SET position = position + 1
        WHERE account_id = $1 AND id = $2 AND active AND deleted_at IS NULL
        RETURNING position - 1 AS slot, members_version`,
      [accountId, c.id],
    );
    if (!row) return null;
    if (row.members_version !== c.membersVersion) {
      await m.query(`UPDATE rotations SET position = position - 1 WHERE account_id = $1 AND id = $2`, [accountId, c.id]);
      return null;
    }
    return BigInt(row.slot);
  }
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
