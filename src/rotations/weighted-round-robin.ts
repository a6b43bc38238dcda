/**
 * Smooth weighted round robin (nginx's algorithm), as a pure function of the weights.
 *
 * Each step adds every member's weight to its `current`, picks the largest `current` (ties go to the
 * earliest member) and subtracts W = sum of weights from it. The sequence is periodic with period W and
 * every period gives member i exactly weights[i] turns, spread out rather than in bursts; equal weights
 * give strict order starting with the first member. So turn number `slot` of a rotation is
 * `schedule[slot mod W]`, and every window of W consecutive slots matches the weights exactly.
 */

/** Most schedules kept in memory; a schedule is at most 100 members x weight 100 = 10,000 entries. */
const CACHE_LIMIT = 256;
const cache = new Map<string, Uint16Array>();

/** One period of the schedule: W member indices (into `weights`). Empty when there are no weights. Shared (cached): do not mutate. */
export function smoothWeightedSchedule(weights: readonly number[]): Uint16Array {
  for (const w of weights) {
    if (!Number.isInteger(w) || w < 1) throw new RangeError(`weights must be positive integers, got ${w}`);
  }
  if (weights.length > 0xffff) throw new RangeError('too many members for a schedule');
  const key = weights.join(',');
  const cached = cache.get(key);
  if (cached) return cached;

  const total = weights.reduce((sum, w) => sum + w, 0);
  const schedule = new Uint16Array(total);
  const current = new Array<number>(weights.length).fill(0);
  for (let step = 0; step < total; step++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i] += weights[i];
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    schedule[step] = best;
  }

  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, schedule);
  return schedule;
}

/**
 * The member that takes turn `slot` among the members for which `isActive` holds, or null when none is.
 * Inactive members are left out of the schedule altogether (W is the sum of the active weights), so they
 * are never picked and the others keep their exact proportions.
 */
export function memberForSlot<T extends { weight: number }>(
  members: readonly T[],
  isActive: (member: T) => boolean,
  slot: bigint | number,
): T | null {
  const active = members.filter(isActive);
  if (active.length === 0) return null;
  const schedule = smoothWeightedSchedule(active.map((m) => m.weight));
  const index = Number(BigInt(slot) % BigInt(schedule.length));
  return active[schedule[index]];
}
