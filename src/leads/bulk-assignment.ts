import type { DataSource, EntityManager } from 'typeorm';
import { sqlRows } from '../database/sql';
import { runTransaction, RunAgainLater, type TransactionWork } from '../database/transaction';
import { RotationErrors } from '../rotations/rotations.errors';
import { AssignmentService, NO_ROTATION, type AssignmentExplanation, type RotationConfig, type RotationState } from '../rotations/assignment.service';
import type { MemberCounter } from '../rotations/routing-engine';
import type { CandidateRow } from '../rotations/rotations.queries';
import { isFenceViolation } from './lead-insert';
import { TAKE_DECIDED_TURN } from '../rotations/rotations.queries';

/** A rotation changed between the batch's read of it and its lock: nothing usable was taken; the whole batch runs again. */
export class RotationChangedDuringBatch extends Error {
  constructor() {
    super('a rotation changed while a batch of leads was being assigned');
  }
}

/**
 * THE boundary between bulk create and the routing engine: leads of a batch, in array order, each assigned
 * exactly as one POST /leads after another would be. `open` locks every rotation that may serve the batch
 * (their rows, in id order, until the caller commits) and reads their positions and cap counters; `next`
 * runs the routing engine for one lead (it counts towards its assignee's caps before the next is decided, and
 * takes one turn of the rotation that chose it); `finish` writes each rotation's new position and counters in
 * one statement per rotation. Rotations whose plans were read by different statements must agree (same
 * member list version), else the batch runs again (RotationChangedDuringBatch).
 */
export class BatchRouter {
  private readonly plans = new Map<number | null, readonly RotationConfig[]>();
  private readonly rotations = new Map<number, RotationConfig>();
  private states = new Map<number, RotationState>();
  private readonly started = new Map<number, bigint>();
  private readonly changed = new Map<number, Map<string, MemberCounter>>();
  private readonly at = Date.now();

  constructor(private readonly assignment: AssignmentService) {}

  /** Registers the rotations that may serve a lead of `teamId` (from the candidates read with its rules). */
  consider(teamId: number | null, candidates: readonly CandidateRow[]): void {
    if (this.plans.has(teamId)) return;
    const plan = this.assignment.planFrom(candidates);
    for (const r of plan.rotations) {
      const known = this.rotations.get(r.id);
      if (known && known.membersVersion !== r.membersVersion) throw new RotationChangedDuringBatch();
      this.rotations.set(r.id, r);
    }
    this.plans.set(teamId, plan.rotations);
  }

  /** Locks the considered rotations and reads their states. */
  async open(m: EntityManager, accountId: string): Promise<void> {
    if (this.rotations.size === 0) return;
    const states = await this.assignment.lockStates(m, accountId, [...this.rotations.values()]);
    if (!states) throw new RotationChangedDuringBatch();
    this.states = states;
    for (const [id, s] of states) this.started.set(id, s.position);
  }

  /** The next lead of `teamId` (after `consider` and `open`): who gets it and why (user null: no rotation could). */
  next(teamId: number | null): AssignmentExplanation {
    const rotations = this.plans.get(teamId);
    if (!rotations || rotations.length === 0) return NO_ROTATION;
    const decided = this.assignment.decide(rotations, this.states, 1, this.at)!;
    if (decided.rotationId !== null) {
      this.states.set(decided.rotationId, decided.after.get(decided.rotationId)!);
      let counters = this.changed.get(decided.rotationId);
      if (!counters) this.changed.set(decided.rotationId, (counters = new Map()));
      for (const [user, counter] of Object.entries(decided.counters)) counters.set(user, counter);
    }
    return decided.explanations[0];
  }

  /** The first-touch timer of the rotation that chose `how` (null: none, or no rotation chose). */
  firstTouchOf(how: AssignmentExplanation): { rotationId: number; seconds: number } | null {
    const seconds = how.user === null ? null : (this.rotations.get(how.rotationId)?.firstTouchSeconds ?? null);
    return seconds === null ? null : { rotationId: how.rotationId, seconds };
  }

  /** Writes the turns taken: each rotation's position and changed counters, in id order. */
  async finish(m: EntityManager, accountId: string): Promise<void> {
    for (const id of [...this.started.keys()].sort((a, b) => a - b)) {
      const from = this.started.get(id)!;
      const taken = this.states.get(id)!.position - from;
      if (taken === 0n) continue;
      const [row] = await sqlRows(m, TAKE_DECIDED_TURN, {
        accountId,
        rotationId: id,
        membersVersion: this.rotations.get(id)!.membersVersion,
        fromPosition: String(from),
        taken: Number(taken),
        counters: JSON.stringify(Object.fromEntries(this.changed.get(id) ?? [])),
        lockTimeout: this.assignment.lockTimeout,
      });
      if (!row) throw new RotationChangedDuringBatch();
    }
  }
}

/** How many times a batch runs at most when its rotations keep changing under it. */
const MAX_BATCH_ATTEMPTS = 5;

/**
 * runTransaction for work that assigns through a BatchRouter: a rotation that changed under the batch rolls
 * the whole transaction back (its turns with it) and runs it again, reading the rotations afresh; after
 * MAX_BATCH_ATTEMPTS, the rotations' "kept changing" 503. A lead created under `reject` that fails on a fence
 * index (a create of the same key committed between the transaction's read of the matches and its insert)
 * runs it again too: it then sees that lead (a 409); after MAX_BATCH_ATTEMPTS, the violation's own 409.
 */
export async function runBatchTransaction<T>(dataSource: DataSource, work: TransactionWork<T>): Promise<T> {
  let attempts = 0;
  return runTransaction(dataSource, async (m) => {
    try {
      return await work(m);
    } catch (error) {
      if (isFenceViolation(error) && ++attempts < MAX_BATCH_ATTEMPTS) throw new RunAgainLater(() => Promise.resolve());
      if (!(error instanceof RotationChangedDuringBatch)) throw error;
      if (++attempts >= MAX_BATCH_ATTEMPTS) throw RotationErrors.keptChanging();
      throw new RunAgainLater(() => Promise.resolve());
    }
  });
}
