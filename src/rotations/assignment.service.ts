import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { preparedRows, sqlRows } from '../database/sql';
import { CANDIDATES, NEXT_TURN, type CandidateRow } from './rotations.queries';
import { isActiveMember, toMemberState, type RotationMemberState } from './rotation-members';
import { smoothWeightedSchedule } from './weighted-round-robin';
import { RotationErrors } from './rotations.errors';
import { numericId } from '../database/numeric-id';

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
 * What the rotation that serves a lead would do, read without taking any lock. The turn itself is taken
 * later by the caller, in the statement that inserts the lead (`turnCte` in rotations.queries.ts), or by `nextAssignee`.
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
  /** `lock_timeout` for a turn: how long a lead may wait for a rotation another transaction holds. */
  readonly lockTimeout: string;

  constructor(config: AppConfig) {
    this.lockTimeout = `${config.rotations.lockTimeoutMs}ms`;
  }

  /**
   * The team's active rotation, else the account's active default (when the lead has no team, the team has no
   * active rotation, or that rotation has no active member left); null when none serves.
   */
  async plan(manager: EntityManager, accountId: string, teamId: number | null): Promise<AssignmentPlan | null> {
    const team = teamId !== null && Number.isInteger(teamId) && teamId >= 1 && teamId <= MAX_ID ? teamId : null;
    return this.planFrom(await preparedRows(manager, CANDIDATES, { accountId, teamId: team }));
  }

  /** `plan`, from candidate rows a caller already read (`candidatesJson` inside its own statement). */
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
      const [row] = await sqlRows(manager, NEXT_TURN, {
        accountId,
        rotationId: plan.rotationId,
        membersVersion: plan.membersVersion,
        users: plan.users,
        schedule: plan.schedule,
        lockTimeout: this.lockTimeout,
      });
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
    if (!c) byId.set(r.id, (c = { id: numericId(r.id), teamId: numericId(r.team_id), membersVersion: r.members_version, members: [] }));
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
