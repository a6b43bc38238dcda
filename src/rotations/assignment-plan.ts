import { numericId } from '../database/numeric-id';
import type { CandidateRow, RotationStateRow } from './rotations.queries';
import { toMemberState, type RotationMemberState } from './rotation-members';
import type { Candidate, MemberCounter, RoutingMember, RoutingRotation } from './routing-engine';

// What the assignment engine decides with and what it answers: rotations as the routing engine reads them,
// their state, and the explanation each lead's entry records (API.md section 9). Pure; AssignmentService runs it.

export interface SkippedMember {
  user: string;
  reason: 'inactive' | 'not_a_member';
}

export type AssignmentReason = 'rotation' | 'default_rotation' | 'named' | 'duplicate_owner' | 'first_touch_sla' | 'manual';

/** What one rotation consulted for a lead decided: its choice (null: passed the lead on) and every member's standing. */
export interface RotationRecord {
  rotationId: number;
  user: string | null;
  candidates: Candidate[];
}

/**
 * `data.assignment` of a `lead_created` entry (API.md section 9): the rotation that chose (or, when none could,
 * the last one consulted, with `user` null), why, and the rotations consulted before it. `skipped` is section
 * 6's list (members no longer active in the account), kept for the readers of the earlier entries.
 */
export interface AssignmentExplanation extends RotationRecord {
  reason: AssignmentReason;
  fallbackFromTeamRotationId: number | null;
  consulted: RotationRecord[];
  skipped: SkippedMember[];
}

/** A lead a rotation assigned: who gets it and why. */
export interface Assignment extends AssignmentExplanation {
  user: string;
}

/** A rotation as the routing engine reads it, from its candidate rows. */
export interface RotationConfig {
  id: number;
  teamId: number | null;
  membersVersion: number;
  /** First-touch timer of the leads it assigns (seconds); null: off */
  firstTouchSeconds: number | null;
  members: RotationMemberState[];
  routing: RoutingRotation;
}

/**
 * A rotation whose decisions depend on its position alone (no caps, availability not respected), chosen without
 * any lock: the turn is taken later by the caller, in the statement that inserts the lead (`turnCte`).
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
  /** The rotation's first-touch timer (seconds; null: off): the insert sets each lead's deadline from it */
  firstTouchSeconds: number | null;
  /** The explanation, the same for every slot; the statement adds `user` */
  how?: Omit<AssignmentExplanation, 'user'>;
}

/**
 * How the lead's rotations route it, from their candidate rows:
 * - `slot`: the rotation that serves is position-only (the one-statement insert takes its turn);
 * - `stateful`: a rotation consulted has caps or respects availability: its decision needs its position and
 *   counters, read (or known) before the turn, which is then taken only if the position still holds;
 * - neither: no rotation can serve whatever the state; `none` explains it (null when there is no rotation).
 */
export interface RoutingPlan {
  slot: AssignmentPlan | null;
  stateful: RotationConfig[] | null;
  none: AssignmentExplanation | null;
  /** Every rotation consulted, in order (whatever the kind) */
  rotations: RotationConfig[];
}

/** A rotation's position and counters, as read (under its lock, or remembered from this process's last write). */
export interface RotationState {
  position: bigint;
  membersVersion: number;
  counters: Map<string, MemberCounter>;
}

/** What the routing engine decided for n leads in order, all through one rotation (or none). */
export interface DecidedTurns {
  /** The rotation whose turns the leads take; null: no rotation took any lead */
  rotationId: number | null;
  /** Its first-touch timer (seconds; null: off or no rotation) */
  firstTouchSeconds: number | null;
  membersVersion: number;
  /** Its position before the leads */
  position: bigint;
  /** Turns taken */
  taken: number;
  /** Counters after the leads, of the members whose counts changed, by user */
  counters: Record<string, MemberCounter>;
  /** Each lead's explanation (its `user` is the assignee, null when none) */
  explanations: AssignmentExplanation[];
  /** The states after the leads, by rotation id (for a caller that remembers them) */
  after: Map<number, RotationState>;
}

export const NO_COUNTERS: ReadonlyMap<string, MemberCounter> = new Map();

/** No rotation at all: nothing consulted. */
export const NO_ROTATION: AssignmentExplanation = {
  rotationId: 0,
  user: null,
  reason: 'default_rotation',
  fallbackFromTeamRotationId: null,
  candidates: [],
  consulted: [],
  skipped: [],
};

/** The team's rotation first, then the default. */
export function consultOrder(rotations: RotationConfig[]): RotationConfig[] {
  return [...rotations.filter((r) => r.teamId !== null), ...rotations.filter((r) => r.teamId === null)];
}

/** The explanation of `rotation`'s decision after `consulted` passed the lead on. */
export function explain(all: readonly RotationConfig[], rotation: RotationConfig, consulted: RotationRecord[], candidates: Candidate[]): Omit<AssignmentExplanation, 'user'> {
  const team = consulted.find((r) => all.find((c) => c.id === r.rotationId)?.teamId !== null);
  const involved = all.filter((c) => c === rotation || consulted.some((r) => r.rotationId === c.id));
  return {
    rotationId: rotation.id,
    reason: rotation.teamId === null ? 'default_rotation' : 'rotation',
    fallbackFromTeamRotationId: rotation.teamId === null && team ? team.rotationId : null,
    candidates,
    consulted: [...consulted],
    skipped: skippedOf(involved.flatMap((r) => r.members)),
  };
}

/** Candidate rows, grouped by rotation, members in turn order. */
export function toRotationConfigs(rows: readonly CandidateRow[]): RotationConfig[] {
  const byId = new Map<number, RotationConfig & { routing: { respectAvailability: boolean; members: RoutingMember[] } }>();
  for (const r of rows) {
    const id = numericId(r.id);
    let c = byId.get(id);
    if (!c) {
      c = { id, teamId: numericId(r.team_id), membersVersion: r.members_version, firstTouchSeconds: r.first_touch_seconds ?? null, members: [], routing: { respectAvailability: r.respect_availability, members: [] } };
      byId.set(id, c);
    }
    const state = toMemberState(r);
    c.members.push(state);
    c.routing.members.push({
      user: r.user_email,
      weight: r.weight,
      active: state.status === 'active',
      timeZone: r.availability?.timeZone ?? 'UTC',
      workingHours: r.availability?.workingHours ?? null,
      away: (r.availability?.away ?? []).map(([from, until]) => ({ from: Number(from), until: Number(until) })),
      capDay: r.cap_day,
      capWeek: r.cap_week,
    });
  }
  return [...byId.values()];
}

export function toStates(rows: readonly RotationStateRow[]): Map<number, RotationState> {
  return new Map(
    rows.map((r) => [
      numericId(r.id),
      {
        position: BigInt(r.position),
        membersVersion: r.members_version,
        counters: new Map(Object.entries(r.counters ?? {})),
      },
    ]),
  );
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
