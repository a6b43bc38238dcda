import { smoothWeightedSchedule } from './weighted-round-robin';
import { insideWorkingHours, isAway, localDay, type AwayPeriod, type WorkingHours } from '../common/availability';

export { insideWorkingHours, isAway, workingHoursProblems, WEEKDAYS, type AwayPeriod, type Weekday, type WorkingHours } from '../common/availability';

/**
 * THE routing engine (API.md section 9): a pure function from a rotation, its members' availability and cap
 * counters, its position and the time to who gets the next lead and why. Every path that assigns through a
 * rotation uses it: the one-statement insert (whose decision then depends on the slot alone, see
 * `slotOnly`), the checked transaction, batches, preview, and the first-touch reassignment (`exclude`).
 *
 * Order. The schedule is section 6's smooth weighted round robin over the members active in the account (in
 * member order; W = the sum of their weights). Turn s belongs to schedule[s mod W]. When that member is not
 * eligible (away, outside working hours, at a cap, excluded), the turn passes to the next eligible member in
 * schedule order from s (s+1, s+2, … up to W-1 further). Each lead uses exactly one turn (the position advances
 * by one per lead), so a skipped member's turn is not made up later. With every member eligible this is
 * exactly section 6's order.
 *
 * Time zones and daylight saving go through Luxon: a member's local day, weekday, time of day and ISO week
 * (Monday 00:00 local) are Luxon's, never offsets computed here.
 */

export type SkipReason = 'inactive' | 'away' | 'outside_working_hours' | 'day_cap_reached' | 'week_cap_reached' | 'already_had_lead';

export interface RoutingMember {
  user: string;
  weight: number;
  /** An active member of the account (only they are in the schedule) */
  active: boolean;
  /** IANA zone the member's day, week and working hours are counted in (theirs, else the account's) */
  timeZone: string;
  /** null: always working */
  workingHours: WorkingHours | null;
  away: readonly AwayPeriod[];
  capDay: number | null;
  capWeek: number | null;
}

export interface RoutingRotation {
  respectAvailability: boolean;
  /** In member order */
  members: readonly RoutingMember[];
}

/** Leads a member got through the rotation in one local day (`dayStart`, yyyy-MM-dd) and ISO week (`weekStart`, its Monday). */
export interface MemberCounter {
  dayStart: string;
  day: number;
  weekStart: string;
  week: number;
}
export type Counters = ReadonlyMap<string, MemberCounter>;

export interface Candidate {
  user: string;
  weight: number;
  eligible: boolean;
  skipped: SkipReason | null;
}

export interface RoutingDecision {
  /** null: no member is eligible; the lead passes on to the next rotation */
  user: string | null;
  candidates: Candidate[];
}

/** Whether the rotation's decisions depend on its position alone (no caps, availability ignored). */
export function slotOnly(rotation: RoutingRotation): boolean {
  return !rotation.respectAvailability && rotation.members.every((m) => m.capDay === null && m.capWeek === null);
}

/** The member's local calendar day and ISO week (its Monday) at `at` (epoch ms). */
export function localPeriods(zone: string, at: number): { dayStart: string; weekStart: string } {
  const day = localDay(zone, at);
  return { dayStart: day.date, weekStart: day.weekStart };
}

/** The member's counts in their current local day and week (a counter of an earlier day or week counts 0). */
export function currentCounts(member: RoutingMember, counter: MemberCounter | undefined, at: number): { day: number; week: number } {
  if (!counter) return { day: 0, week: 0 };
  const now = localPeriods(member.timeZone, at);
  return { day: counter.dayStart === now.dayStart ? counter.day : 0, week: counter.weekStart === now.weekStart ? counter.week : 0 };
}

/** Why `member` cannot take a lead now (null: eligible). Checked in this order: the first reason that holds is given. */
export function skipReason(rotation: RoutingRotation, member: RoutingMember, counter: MemberCounter | undefined, at: number, exclude: ReadonlySet<string>): SkipReason | null {
  if (!member.active) return 'inactive';
  if (exclude.has(member.user)) return 'already_had_lead';
  if (rotation.respectAvailability) {
    if (isAway(member.away, at)) return 'away';
    if (!insideWorkingHours(member.workingHours, member.timeZone, at)) return 'outside_working_hours';
  }
  if (member.capDay !== null || member.capWeek !== null) {
    const counts = currentCounts(member, counter, at);
    if (member.capDay !== null && counts.day >= member.capDay) return 'day_cap_reached';
    if (member.capWeek !== null && counts.week >= member.capWeek) return 'week_cap_reached';
  }
  return null;
}

export interface RoutingInput {
  rotation: RoutingRotation;
  counters: Counters;
  /** The rotation's position: the turn this lead takes */
  slot: bigint | number;
  /** Epoch milliseconds */
  at: number;
  exclude?: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

/** Who gets the lead that takes turn `slot`, and every member's standing. */
export function route(input: RoutingInput): RoutingDecision {
  const { rotation, counters, at } = input;
  const exclude = input.exclude ?? NONE;
  const candidates: Candidate[] = rotation.members.map((m) => {
    const skipped = skipReason(rotation, m, counters.get(m.user), at, exclude);
    return { user: m.user, weight: m.weight, eligible: skipped === null, skipped };
  });
  const active = rotation.members.flatMap((m, i) => (m.active ? [i] : []));
  if (!candidates.some((c) => c.eligible)) return { user: null, candidates };
  const schedule = smoothWeightedSchedule(active.map((i) => rotation.members[i].weight));
  const W = schedule.length;
  const start = Number(BigInt(input.slot) % BigInt(W));
  for (let k = 0; k < W; k++) {
    const member = active[schedule[(start + k) % W]];
    if (candidates[member].eligible) return { user: rotation.members[member].user, candidates };
  }
  return { user: null, candidates }; // unreachable: an eligible member is active, so in every period of the schedule
}

/** The counters after `user` got a lead at `at` (a new local day or week starts from 0). */
export function countLead(counters: Map<string, MemberCounter>, member: RoutingMember, at: number): MemberCounter {
  const now = localPeriods(member.timeZone, at);
  const counts = currentCounts(member, counters.get(member.user), at);
  const next = { dayStart: now.dayStart, day: counts.day + 1, weekStart: now.weekStart, week: counts.week + 1 };
  counters.set(member.user, next);
  return next;
}

export interface RoutedLead extends RoutingDecision {
  /** The turn the lead took (only when `user` is not null) */
  slot: bigint | null;
}

/**
 * `n` leads arriving at `at`, in order, from position `slot`: each assigned lead takes one turn and counts
 * towards its assignee's caps before the next is decided. Returns the decisions, the position after them and
 * the counters that changed (by user). A lead no member can take takes no turn.
 */
export function routeMany(
  rotation: RoutingRotation,
  counters: Counters,
  slot: bigint,
  at: number,
  n: number,
  exclude: (index: number) => ReadonlySet<string> = () => NONE,
): { leads: RoutedLead[]; position: bigint; changed: Map<string, MemberCounter> } {
  const working = new Map(counters);
  const changed = new Map<string, MemberCounter>();
  const byUser = new Map(rotation.members.map((m) => [m.user, m]));
  const leads: RoutedLead[] = [];
  let position = slot;
  for (let i = 0; i < n; i++) {
    const decision = route({ rotation, counters: working, slot: position, at, exclude: exclude(i) });
    if (decision.user === null) {
      leads.push({ ...decision, slot: null });
      continue;
    }
    leads.push({ ...decision, slot: position });
    position += 1n;
    const member = byUser.get(decision.user)!;
    if (member.capDay !== null || member.capWeek !== null) changed.set(member.user, countLead(working, member, at));
  }
  return { leads, position, changed };
}

