import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { preparedRows, sqlRows } from '../database/sql';
import { CANDIDATES, LOCK_ROTATION_STATE, NEXT_TURN, ROTATION_FIRST_TOUCH, ROTATION_ROUTING, ROTATION_STATE, TAKE_DECIDED_TURN, type CandidateRow } from './rotations.queries';
import { route, routeMany, slotOnly, countLead, type MemberCounter } from './routing-engine';
import { smoothWeightedSchedule } from './weighted-round-robin';
import { RotationErrors } from './rotations.errors';
import {
  consultOrder,
  explain,
  NO_COUNTERS,
  NO_ROTATION,
  toRotationConfigs,
  toStates,
  type Assignment,
  type AssignmentExplanation,
  type AssignmentPlan,
  type DecidedTurns,
  type RotationConfig,
  type RotationRecord,
  type RotationState,
  type RoutingPlan,
} from './assignment-plan';
import { numericId } from '../database/numeric-id';

export * from './assignment-plan';

const MAX_ID = 2_147_483_647;

/** A retry happens only when a rotation changed between our read and our update; a few always suffice in practice. */
const MAX_ATTEMPTS = 5;

/**
 * The assignment engine: who gets the next lead without `assignedTo`, through the routing engine
 * (routing-engine.ts), the one decision procedure of every path.
 *
 * Each rotation's `position` counts the turns it handed out; turn s belongs to `schedule[s mod W]`.
 * - Position-only rotations (no caps, availability not respected) are planned without a lock and their turn is
 *   taken by one atomic `UPDATE … SET position = position + n` in the statement that inserts the leads, valid
 *   only while `members_version` is the planned one (see `turnCte`): the fast path, as in section 6.
 * - Rotations with caps or availability decide from their position and cap counters: the checked path locks
 *   their rows (`LOCK_ROTATION_STATE`, FOR UPDATE), runs the engine, and writes position, counters and leads in
 *   one statement (`decidedTurnCtes`), so caps are exact under any concurrency and across processes. A process
 *   that wrote last may decide from the state it wrote, without a lock: its statement applies only while the
 *   rotation's position is still that one (else nothing is written and the lead takes the checked path).
 */
@Injectable()
export class AssignmentService {
  /** `lock_timeout` for a turn: how long a lead may wait for a rotation another transaction holds. */
  readonly lockTimeout: string;

  constructor(config: AppConfig) {
    this.lockTimeout = `${config.rotations.lockTimeoutMs}ms`;
  }

  /** The candidate rows of the team's active rotation and the account's active default, read with `manager`. */
  async candidates(manager: EntityManager, accountId: string, teamId: number | null): Promise<CandidateRow[]> {
    const team = teamId !== null && Number.isInteger(teamId) && teamId >= 1 && teamId <= MAX_ID ? teamId : null;
    return preparedRows(manager, CANDIDATES, { accountId, teamId: team });
  }

  /** `planFrom` of the rotations read now. */
  async plan(manager: EntityManager, accountId: string, teamId: number | null): Promise<RoutingPlan> {
    return this.planFrom(await this.candidates(manager, accountId, teamId));
  }

  /**
   * The team's active rotation is consulted first, then the account's active default (when the lead has no team,
   * the team has no active rotation, or that rotation has no eligible member); with neither, the lead stays
   * unassigned.
   */
  planFrom(rows: readonly CandidateRow[]): RoutingPlan {
    const rotations = consultOrder(toRotationConfigs(rows));
    if (rotations.length === 0) return { slot: null, stateful: null, none: null, rotations };
    if (!rotations.every((r) => slotOnly(r.routing))) return { slot: null, stateful: rotations, none: null, rotations };
    // position-only: who is eligible does not depend on the slot, so the explanation is fixed
    const records: RotationRecord[] = [];
    for (const rotation of rotations) {
      const decision = route({ rotation: rotation.routing, counters: NO_COUNTERS, slot: 0, at: 0 });
      if (decision.user === null) {
        records.push({ rotationId: rotation.id, user: null, candidates: decision.candidates });
        continue;
      }
      const active = rotation.members.filter((m) => m.status === 'active');
      const how = explain(rotations, rotation, records, decision.candidates);
      return {
        slot: {
          rotationId: rotation.id,
          membersVersion: rotation.membersVersion,
          users: active.map((m) => m.user),
          schedule: Array.from(smoothWeightedSchedule(active.map((m) => m.weight))),
          skipped: how.skipped,
          fallbackFromTeamRotationId: how.fallbackFromTeamRotationId,
          firstTouchSeconds: rotation.firstTouchSeconds,
          how,
        },
        stateful: null,
        none: null,
        rotations,
      };
    }
    const last = rotations[rotations.length - 1];
    return { slot: null, stateful: null, none: { ...explain(rotations, last, records.slice(0, -1), records[records.length - 1].candidates), user: null }, rotations };
  }

  /** The states of `rotations` as committed now, without a lock; null when one of them changed or went away. */
  async readStates(db: DataSource | EntityManager, accountId: string, rotations: readonly RotationConfig[]): Promise<Map<number, RotationState> | null> {
    const states = toStates(await sqlRows(db, ROTATION_STATE, { accountId, ids: rotations.map((r) => r.id) }));
    return rotations.every((r) => states.get(r.id)?.membersVersion === r.membersVersion) ? states : null;
  }

  /** The states of `rotations`, row-locked until the caller's transaction ends; null when one of them changed or went away. */
  async lockStates(manager: EntityManager, accountId: string, rotations: readonly RotationConfig[]): Promise<Map<number, RotationState> | null> {
    const rows = await sqlRows(manager, LOCK_ROTATION_STATE, { accountId, ids: rotations.map((r) => r.id), lockTimeout: this.lockTimeout });
    const states = toStates(rows);
    return rotations.every((r) => states.get(r.id)?.membersVersion === r.membersVersion) ? states : null;
  }

  /**
   * The routing engine over the consulted rotations for `n` leads arriving now, in order: lead i goes to the first
   * rotation with an eligible member (each lead counts towards its assignee's caps before the next is decided).
   * Null when the leads would go through more than one rotation (the caller then routes them one by one).
   */
  decide(rotations: readonly RotationConfig[], states: ReadonlyMap<number, RotationState>, n: number, at: number, exclude?: (i: number) => ReadonlySet<string>): DecidedTurns | null {
    const after = new Map<number, RotationState>();
    for (const [id, s] of states) after.set(id, { ...s, counters: new Map(s.counters) });
    const explanations: AssignmentExplanation[] = [];
    const changed = new Map<string, MemberCounter>();
    let chosen: RotationConfig | null = null;
    let first: RotationState | null = null;
    for (let i = 0; i < n; i++) {
      const records: RotationRecord[] = [];
      let explanation: AssignmentExplanation | null = null;
      for (const rotation of rotations) {
        const state = after.get(rotation.id)!;
        const decision = route({ rotation: rotation.routing, counters: state.counters, slot: state.position, at, exclude: exclude?.(i) });
        if (decision.user === null) {
          records.push({ rotationId: rotation.id, user: null, candidates: decision.candidates });
          continue;
        }
        if (chosen !== null && chosen !== rotation) return null;
        if (chosen === null && explanations.length > 0) return null; // earlier leads were passed on
        if (chosen === null) (chosen = rotation), (first = { ...states.get(rotation.id)! });
        explanation = { ...explain(rotations, rotation, records, decision.candidates), user: decision.user };
        state.position += 1n;
        const member = rotation.routing.members.find((m) => m.user === decision.user)!;
        if (member.capDay !== null || member.capWeek !== null) changed.set(member.user, countLead(state.counters, member, at));
        break;
      }
      if (!explanation) {
        if (chosen !== null) return null;
        const last = rotations[rotations.length - 1];
        explanation = { ...explain(rotations, last, records.slice(0, -1), records[records.length - 1].candidates), user: null };
      }
      explanations.push(explanation);
    }
    return {
      rotationId: chosen?.id ?? null,
      firstTouchSeconds: chosen?.firstTouchSeconds ?? null,
      membersVersion: chosen?.membersVersion ?? 0,
      position: first?.position ?? 0n,
      taken: explanations.filter((e) => e.user !== null).length,
      counters: Object.fromEntries(changed),
      explanations,
      after,
    };
  }

  /**
   * Takes the next turn for one lead, inside the caller's transaction (which then holds the rotation's row lock
   * until it commits), returning who gets it and why, or null when no rotation can serve. `exclude`: users who
   * may not get it (`already_had_lead`, for a reassignment). For callers that write the lead themselves
   * (reassignment, bulk): the lead insert of POST /leads takes its turn in its own statement instead.
   */
  async assign(manager: EntityManager, accountId: string, options: { teamId: number | null; exclude?: ReadonlySet<string> }): Promise<Assignment | null> {
    const [one] = await this.assignMany(manager, accountId, { teamId: options.teamId, count: 1, exclude: options.exclude && (() => options.exclude!) });
    return one.user === null ? null : (one as Assignment);
  }

  /**
   * `count` leads in order through the rotations of `teamId`, inside the caller's transaction: each one's
   * explanation (user null: no rotation could serve it, or there is no rotation: then `rotationId` is 0 and
   * nothing was consulted). Turns and counters are taken under the rotations' row locks.
   */
  async assignMany(
    manager: EntityManager,
    accountId: string,
    options: { teamId: number | null; count: number; exclude?: (i: number) => ReadonlySet<string> },
  ): Promise<AssignmentExplanation[]> {
    const out: AssignmentExplanation[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && out.length < options.count; attempt++) {
      const plan = await this.plan(manager, accountId, options.teamId);
      const remaining = options.count - out.length;
      if (plan.slot && !options.exclude) {
        const assigned = await this.takeSlots(manager, accountId, plan.slot, remaining);
        if (assigned) out.push(...assigned);
        continue;
      }
      // caps, availability or exclusions: decided under the rotations' row locks, from their position and counters
      const rotations = plan.slot || plan.stateful ? plan.rotations : null;
      if (!rotations) return out.concat(Array.from({ length: remaining }, () => plan.none ?? NO_ROTATION));
      const states = await this.lockStates(manager, accountId, rotations);
      if (!states) continue;
      // one lead at a time: each may go through a different rotation
      for (let i = out.length; i < options.count; i++) {
        const decided = this.decide(rotations, states, 1, Date.now(), options.exclude && (() => options.exclude!(i)))!;
        if (decided.rotationId !== null) {
          await sqlRows(manager, TAKE_DECIDED_TURN, {
            accountId,
            rotationId: decided.rotationId,
            membersVersion: decided.membersVersion,
            fromPosition: String(decided.position),
            taken: decided.taken,
            counters: JSON.stringify(decided.counters),
            lockTimeout: this.lockTimeout,
          });
          for (const [id, s] of decided.after) (states as Map<number, RotationState>).set(id, s);
        }
        out.push(decided.explanations[0]);
      }
      return out;
    }
    if (out.length === options.count) return out;
    throw RotationErrors.keptChanging();
  }

  /** A rotation's first-touch settings (null: no such rotation). */
  async firstTouchSettings(manager: EntityManager, accountId: string, rotationId: number): Promise<{ seconds: number | null; maxReassignments: number; live: boolean } | null> {
    const [row] = await sqlRows(manager, ROTATION_FIRST_TOUCH, { accountId, id: rotationId });
    return row ? { seconds: row.first_touch_seconds, maxReassignments: Number(row.max_reassignments), live: row.live } : null;
  }

  /**
   * One lead's turn through rotation `rotationId` alone (no fallback: a first-touch reassignment goes through the
   * rotation that assigned the lead), `exclude` skipped as `already_had_lead`, inside the caller's transaction
   * (the rotation's row lock is held until it ends). The explanation (user null: no one eligible, nothing taken),
   * or null when the rotation is no longer live.
   */
  async assignThrough(manager: EntityManager, accountId: string, rotationId: number, exclude: ReadonlySet<string>): Promise<AssignmentExplanation | null> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const rotations = toRotationConfigs(await sqlRows(manager, ROTATION_ROUTING, { accountId, ids: [rotationId] }));
      if (rotations.length === 0) return null;
      const rows = await sqlRows(manager, LOCK_ROTATION_STATE, { accountId, ids: [rotationId], lockTimeout: this.lockTimeout });
      if (rows.length === 0) return null; // deactivated or deleted
      const states = toStates(rows);
      if (states.get(rotationId)!.membersVersion !== rotations[0].membersVersion) continue; // changed between the reads
      const decided = this.decide(rotations, states, 1, Date.now(), () => exclude)!;
      if (decided.rotationId !== null) {
        await sqlRows(manager, TAKE_DECIDED_TURN, {
          accountId,
          rotationId: decided.rotationId,
          membersVersion: decided.membersVersion,
          fromPosition: String(decided.position),
          taken: decided.taken,
          counters: JSON.stringify(decided.counters),
          lockTimeout: this.lockTimeout,
        });
      }
      return decided.explanations[0];
    }
    throw RotationErrors.keptChanging();
  }

  /**
   * Who the next `count` leads through each of `rotationIds` (alone, as if each were the rotation that serves)
   * would go to if they arrived now and nothing else changed: the routing engine from the rotation's current
   * position and counters, each lead counting towards its assignee's caps. Moves nothing; null where no member is
   * eligible. For GET /rotations/{id}/preview and `nextUser`.
   */
  async preview(manager: EntityManager, accountId: string, rotationIds: number[], count: number): Promise<Map<number, (string | null)[]>> {
    const out = new Map<number, (string | null)[]>();
    if (rotationIds.length === 0) return out;
    const [rows, stateRows] = [await sqlRows(manager, ROTATION_ROUTING, { accountId, ids: rotationIds }), await sqlRows(manager, ROTATION_STATE, { accountId, ids: rotationIds })];
    const states = toStates(stateRows);
    const at = Date.now();
    for (const rotation of toRotationConfigs(rows)) {
      const state = states.get(rotation.id);
      if (!state) continue;
      out.set(rotation.id, routeMany(rotation.routing, state.counters, state.position, at, count).leads.map((l) => l.user));
    }
    for (const id of rotationIds) if (!out.has(id)) out.set(id, Array.from({ length: count }, () => null));
    return out;
  }

  /** Section 6's `nextAssignee`: one lead's turn, in the caller's transaction (`assign` without exclusions). */
  nextAssignee(manager: EntityManager, accountId: string, teamId: number | null): Promise<Assignment | null> {
    return this.assign(manager, accountId, { teamId });
  }

  /** `n` turns of a position-only plan, one statement each; null when the rotation changed since the plan (nothing taken). */
  private async takeSlots(manager: EntityManager, accountId: string, plan: AssignmentPlan, n: number): Promise<AssignmentExplanation[] | null> {
    const out: AssignmentExplanation[] = [];
    for (let i = 0; i < n; i++) {
      const [row] = await sqlRows(manager, NEXT_TURN, {
        accountId,
        rotationId: plan.rotationId,
        membersVersion: plan.membersVersion,
        users: plan.users,
        schedule: plan.schedule,
        lockTimeout: this.lockTimeout,
      });
      if (!row) return i === 0 ? null : out; // changed after the first turns (which stand): the caller plans the rest again
      out.push({ ...plan.how!, user: row.assignee });
    }
    return out;
  }
}
