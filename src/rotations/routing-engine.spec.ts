import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  countLead,
  insideWorkingHours,
  localPeriods,
  route,
  routeMany,
  workingHoursProblems,
  type MemberCounter,
  type RoutingMember,
  type RoutingRotation,
} from './routing-engine';
import { smoothWeightedSchedule } from './weighted-round-robin';

const member = (i: number, over: Partial<RoutingMember> = {}): RoutingMember => ({
  user: `m${i}@example.com`,
  weight: 1,
  active: true,
  timeZone: 'UTC',
  workingHours: null,
  away: [],
  capDay: null,
  capWeek: null,
  ...over,
});

const AT = Date.parse('2026-12-01T15:00:00Z');
const weightsArb = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 });

function counts(users: (string | null)[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const u of users) if (u !== null) out.set(u, (out.get(u) ?? 0) + 1);
  return out;
}

describe('routing engine', () => {
  it('with every member eligible, every window of W consecutive leads matches the weights exactly (section 6)', () => {
    fc.assert(
      fc.property(weightsArb, fc.nat(100_000), fc.nat(40), (weights, start, extra) => {
        const rotation: RoutingRotation = { respectAvailability: true, members: weights.map((weight, i) => member(i, { weight })) };
        const W = weights.reduce((a, b) => a + b, 0);
        const { leads } = routeMany(rotation, new Map(), BigInt(start), AT, W + extra);
        for (let offset = 0; offset <= extra; offset++) {
          const window = counts(leads.slice(offset, offset + W).map((l) => l.user));
          weights.forEach((w, i) => expect(window.get(`m${i}@example.com`) ?? 0).toBe(w));
        }
        expect(leads.every((l) => l.candidates.every((c) => c.eligible && c.skipped === null))).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('never assigns more than a day or week cap allows, and passes the lead on once everyone is capped', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 5 }), capDay: fc.option(fc.integer({ min: 1, max: 6 })), capWeek: fc.option(fc.integer({ min: 1, max: 9 })) }), { minLength: 1, maxLength: 5 }),
        fc.nat(1000),
        fc.integer({ min: 1, max: 80 }),
        (specs, start, n) => {
          const rotation: RoutingRotation = { respectAvailability: false, members: specs.map((s, i) => member(i, s)) };
          const { leads, position, changed } = routeMany(rotation, new Map(), BigInt(start), AT, n);
          const got = counts(leads.map((l) => l.user));
          specs.forEach((s, i) => {
            const limit = Math.min(s.capDay ?? Infinity, s.capWeek ?? Infinity);
            const assigned = got.get(`m${i}@example.com`) ?? 0;
            expect(assigned).toBeLessThanOrEqual(limit);
            if (limit !== Infinity) expect(changed.get(`m${i}@example.com`)?.day ?? 0).toBe(assigned);
          });
          const capacity = specs.reduce((sum, s) => sum + Math.min(s.capDay ?? Infinity, s.capWeek ?? Infinity), 0);
          expect(leads.filter((l) => l.user !== null).length).toBe(Math.min(n, capacity));
          // one turn per assigned lead
          expect(position - BigInt(start)).toBe(BigInt(leads.filter((l) => l.user !== null).length));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('never chooses an ineligible member, and names why each one was skipped', () => {
    const reasons = fc.constantFrom('ok', 'inactive', 'away', 'night', 'day', 'week', 'excluded');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), reasons), { minLength: 1, maxLength: 7 }), fc.nat(500), (specs, slot) => {
        const counters = new Map<string, MemberCounter>();
        const exclude = new Set<string>();
        const members = specs.map(([weight, why], i) => {
          const m = member(i, { weight });
          if (why === 'inactive') m.active = false;
          if (why === 'away') m.away = [{ from: AT - 1000, until: AT + 1000 }];
          if (why === 'night') m.workingHours = { mon: [['09:00', '10:00']] }; // AT is a Tuesday
          if (why === 'day') (m.capDay = 1), counters.set(m.user, { dayStart: '2026-12-01', day: 1, weekStart: '2026-11-30', week: 1 });
          if (why === 'week') (m.capWeek = 3), counters.set(m.user, { dayStart: '2026-11-30', day: 3, weekStart: '2026-11-30', week: 3 });
          if (why === 'excluded') exclude.add(m.user);
          return m;
        });
        const decision = route({ rotation: { respectAvailability: true, members }, counters, slot, at: AT, exclude });
        const expected: Record<string, string | null> = { ok: null, inactive: 'inactive', away: 'away', night: 'outside_working_hours', day: 'day_cap_reached', week: 'week_cap_reached', excluded: 'already_had_lead' };
        specs.forEach(([, why], i) => {
          expect(decision.candidates[i].skipped).toBe(expected[why]);
          expect(decision.candidates[i].eligible).toBe(why === 'ok');
        });
        if (decision.user === null) expect(specs.every(([, why]) => why !== 'ok')).toBe(true);
        else expect(specs[Number(decision.user.slice(1, 2))][1]).toBe('ok');
      }),
      { numRuns: 200 },
    );
  });

  it("passes an ineligible member's turn to the next eligible member in schedule order, and does not make it up later", () => {
    fc.assert(
      fc.property(weightsArb.filter((w) => w.length >= 2), fc.nat(1000), fc.integer({ min: 1, max: 30 }), (weights, start, n) => {
        const away = { from: AT - 1, until: AT + 1 };
        const members = weights.map((weight, i) => member(i, { weight, away: i === 0 ? [away] : [] }));
        const rotation: RoutingRotation = { respectAvailability: true, members };
        const schedule = smoothWeightedSchedule(weights);
        const W = schedule.length;
        const { leads, position } = routeMany(rotation, new Map(), BigInt(start), AT, n);
        expect(position).toBe(BigInt(start + n));
        leads.forEach((lead, k) => {
          let s = start + k;
          while (schedule[s % W] === 0) s++; // member 0 is away: the next one in schedule order takes the turn
          expect(lead.user).toBe(`m${schedule[s % W]}@example.com`);
        });
        // member 0 back: the very next turn is the schedule's own, with no extra turns for the missed ones
        const back = route({ rotation: { respectAvailability: true, members: members.map((m) => ({ ...m, away: [] })) }, counters: new Map(), slot: position, at: AT });
        expect(back.user).toBe(`m${schedule[Number(position % BigInt(W))]}@example.com`);
      }),
      { numRuns: 80 },
    );
  });

  describe.each([
    ['spring forward', '2026-03-08'],
    ['fall back', '2026-11-01'],
  ])('America/New_York 09:00-17:00 on the %s day (%s)', (_name, date) => {
    const zone = 'America/New_York';
    const hours = { sun: [['09:00', '17:00']] as [string, string][] };
    const dayStart = DateTime.fromISO(`${date}T00:00`, { zone });
    const nine = DateTime.fromISO(`${date}T09:00`, { zone }).toMillis();
    const five = DateTime.fromISO(`${date}T17:00`, { zone }).toMillis();

    it('is working exactly from 09:00 to 17:00 local, 8 hours, whatever the day length', () => {
      fc.assert(
        fc.property(fc.integer({ min: -2 * 3600_000, max: 27 * 3600_000 }), (offset) => {
          const at = dayStart.toMillis() + offset;
          expect(insideWorkingHours(hours, zone, at)).toBe(at >= nine && at < five);
        }),
        { numRuns: 500 },
      );
      expect(five - nine).toBe(8 * 3600_000);
    });

    it('counts the day cap in the local calendar day and the week from Monday 00:00 local', () => {
      const m = member(0, { timeZone: zone, capDay: 1 });
      const counters = new Map<string, MemberCounter>();
      countLead(counters, m, nine);
      expect(route({ rotation: { respectAvailability: false, members: [m] }, counters, slot: 0, at: five - 1 }).user).toBeNull();
      const nextLocalMidnight = dayStart.plus({ days: 1 }).toMillis();
      expect(route({ rotation: { respectAvailability: false, members: [m] }, counters, slot: 0, at: nextLocalMidnight - 1 }).user).toBeNull();
      expect(route({ rotation: { respectAvailability: false, members: [m] }, counters, slot: 0, at: nextLocalMidnight }).user).toBe(m.user);
      // a Sunday belongs to the ISO week that began the Monday before
      expect(counters.get(m.user)!.weekStart).toBe(dayStart.minus({ days: 6 }).toISODate());
    });
  });

  it("the member's local day and ISO week (kept per zone while the day lasts) are Luxon's, in any order of instants", () => {
    const zones = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'UTC'];
    const start = Date.parse('2026-01-01T00:00:00Z');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...zones), fc.integer({ min: 0, max: 400 * 86400_000 })), { minLength: 1, maxLength: 40 }), (probes) => {
        for (const [zone, offset] of probes) {
          const local = DateTime.fromMillis(start + offset, { zone });
          expect(localPeriods(zone, start + offset)).toEqual({ dayStart: local.toISODate(), weekStart: local.startOf('week').toISODate() });
        }
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    [{ mon: [['09:00', '17:00']] }, 0],
    [{ mon: [['00:00', '24:00']] }, 0],
    [{ mon: [['17:00', '09:00']] }, 1],
    [{ mon: [['09:00', '12:00'], ['11:00', '13:00']] }, 1],
    [{ mon: [['9:00', '12:00']] }, 1],
    [{ mon: [['09:00', '24:30']] }, 1],
    [{ funday: [] }, 1],
    [{ mon: Array.from({ length: 5 }, (_, i) => [`0${i}:00`, `0${i}:30`]) }, 1],
    [[], 1],
  ])('working hours %j have %i problem(s)', (value, problems) => {
    expect(workingHoursProblems(value, 'workingHours')).toHaveLength(problems);
  });
});
