import type { DataSource, EntityManager } from 'typeorm';
import { sqlRows } from '../database/sql';
import { runTransaction, RunAgainLater, type TransactionWork } from '../database/transaction';
import { RotationErrors } from '../rotations/rotations.errors';
import { AssignmentService, toAssignment, type Assignment, type AssignmentPlan } from '../rotations/assignment.service';
import type { CandidateRow } from '../rotations/rotations.queries';
import { TAKE_TURNS } from './duplicates.queries';

/** A lead of a batch that needs a rotation's turn: its team, and the candidates read with its rules. */
export interface TurnRequest {
  teamId: number | null;
  candidates: readonly CandidateRow[];
}

/** A rotation changed between its plan and its turns: nothing usable was taken; the whole batch runs again. */
export class RotationChangedDuringBatch extends Error {
  constructor() {
    super('a rotation changed while a batch of leads was being assigned');
  }
}

/**
 * THE boundary between bulk create and the assignment engine: the assignees of `requests`, in their order,
 * exactly as one POST /leads after another would get them (each rotation's turns are taken n at once, the
 * i-th lead through a rotation getting turn first + i), or null for a lead no rotation serves. Built on
 * AssignmentService's plans (planFrom) and turns (`TAKE_TURNS`, the rotation's row locked until the caller
 * commits); rotations are advanced in id order, so two batches cannot lock them in a cycle.
 * Throws RotationChangedDuringBatch when a rotation changed since the candidates were read.
 */
export async function assignInOrder(
  m: EntityManager,
  assignment: AssignmentService,
  accountId: string,
  requests: readonly TurnRequest[],
): Promise<(Assignment | null)[]> {
  const plans = new Map<number | null, AssignmentPlan | null>();
  const chosen = requests.map((r) => {
    if (!plans.has(r.teamId)) plans.set(r.teamId, assignment.planFrom(r.candidates));
    return plans.get(r.teamId)!;
  });
  const byRotation = new Map<number, { plan: AssignmentPlan; count: number }>();
  for (const plan of chosen) {
    if (!plan) continue;
    const entry = byRotation.get(plan.rotationId);
    if (entry) {
      // plans of one rotation read by different statements must agree, or the slots would be read two ways
      if (entry.plan !== plan && !samePlanOfTurns(entry.plan, plan)) throw new RotationChangedDuringBatch();
      entry.count++;
    } else byRotation.set(plan.rotationId, { plan, count: 1 });
  }
  const firstSlot = new Map<number, number>();
  for (const [rotationId, { plan, count }] of [...byRotation].sort(([a], [b]) => a - b)) {
    const [row] = await sqlRows(m, TAKE_TURNS, { accountId, rotationId, membersVersion: plan.membersVersion, count, lockTimeout: assignment.lockTimeout });
    if (!row) throw new RotationChangedDuringBatch();
    firstSlot.set(rotationId, Number(row.slot));
  }
  const taken = new Map<number, number>();
  return chosen.map((plan) => {
    if (!plan) return null;
    const k = taken.get(plan.rotationId) ?? 0;
    taken.set(plan.rotationId, k + 1);
    const slot = firstSlot.get(plan.rotationId)! + k;
    return toAssignment(plan, plan.users[plan.schedule[slot % plan.schedule.length]]);
  });
}

function samePlanOfTurns(a: AssignmentPlan, b: AssignmentPlan): boolean {
  return a.membersVersion === b.membersVersion && a.users.join('\n') === b.users.join('\n') && a.schedule.join() === b.schedule.join();
}

/** How many times a batch runs at most when its rotations keep changing under it. */
const MAX_BATCH_ATTEMPTS = 5;

/**
 * runTransaction for work that assigns through `assignInOrder`: a rotation that changed under the batch rolls
 * the whole transaction back (its turns with it) and runs it again, reading the rotations afresh; after
 * MAX_BATCH_ATTEMPTS, the rotations' "kept changing" 503.
 */
export async function runBatchTransaction<T>(dataSource: DataSource, work: TransactionWork<T>): Promise<T> {
  let attempts = 0;
  return runTransaction(dataSource, async (m) => {
    try {
      return await work(m);
    } catch (error) {
      if (!(error instanceof RotationChangedDuringBatch)) throw error;
      if (++attempts >= MAX_BATCH_ATTEMPTS) throw RotationErrors.keptChanging();
      throw new RunAgainLater(() => Promise.resolve());
    }
  });
}
