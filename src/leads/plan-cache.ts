import type { AssignmentExplanation, AssignmentPlan, RotationConfig, RotationState } from '../rotations/assignment.service';

/** What a lead's creation in this process learnt about its team's assignment, for the one-statement insert. */
export interface LearntPlan {
  /** null: no rotation serves the team, or the lead named its assignee */
  plan: AssignmentPlan | null;
  /** The candidates' text the plan was made from (`CHECK_RULES.candidates_text`); null when the lead names its assignee */
  candidatesText: string | null;
  /**
   * Rotations with caps or availability: their configuration and the state this process last wrote (position
   * and counters), which the next lead may decide from; its statement applies only while that state holds.
   */
  stateful?: { rotations: RotationConfig[]; states: Map<number, RotationState> };
  /** No rotation can take the team's leads whatever the state: their explanation */
  none?: AssignmentExplanation | null;
}

/** Bytes a string takes, at most (V8 keeps one- or two-byte strings), with its header. */
const stringBytes = (s: string | null) => (s === null ? 0 : 24 + 2 * s.length);

/**
 * An upper estimate of what an entry keeps alive: dominated by the schedule (one number per unit of weight:
 * a 100-member rotation of weight 100 has 10,000) and the candidates' text (a row per member).
 */
export function approximateBytes(key: string, entry: LearntPlan): number {
  let bytes = 200 + stringBytes(key) + stringBytes(entry.candidatesText);
  if (entry.stateful) bytes += entry.stateful.rotations.reduce((sum, r) => sum + 600 * r.members.length, 0);
  if (entry.none) bytes += 200 * entry.none.candidates.length;
  const plan = entry.plan;
  if (plan) {
    bytes += 16 + 8 * plan.schedule.length;
    for (const user of plan.users) bytes += 8 + stringBytes(user);
    for (const s of plan.skipped) bytes += 48 + stringBytes(s.user);
  }
  return bytes;
}

/**
 * The plans this process learnt, per (account, team), bounded by their approximate size in bytes rather than
 * by count (one entry ranges from a few hundred bytes to ~100 KB): setting one past the budget drops the ones
 * set longest ago; an entry larger than the whole budget is not kept.
 */
export class PlanCache {
  private readonly entries = new Map<string, { entry: LearntPlan; bytes: number }>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  get(key: string): LearntPlan | undefined {
    return this.entries.get(key)?.entry;
  }

  set(key: string, entry: LearntPlan): void {
    this.delete(key); // re-inserted last: a Map iterates in insertion order, oldest first
    const bytes = approximateBytes(key, entry);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { entry, bytes });
    this.total += bytes;
    for (const [oldest, { bytes: size }] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= size;
    }
  }

  delete(key: string): void {
    const found = this.entries.get(key);
    if (!found) return;
    this.entries.delete(key);
    this.total -= found.bytes;
  }

  /** Entries kept, and their approximate bytes (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }
  get bytes(): number {
    return this.total;
  }
}
