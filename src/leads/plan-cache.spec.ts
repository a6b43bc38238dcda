import type { AssignmentPlan } from '../rotations/assignment.service';
import { smoothWeightedSchedule } from '../rotations/weighted-round-robin';
import { PLAN_CACHE_BYTES } from './leads.service';
import { approximateBytes, PlanCache, type LearntPlan } from './plan-cache';

/** A plan of `members` members of weight `weight` each, with the candidates' text it would be made from. */
function learnt(members: number, weight: number): LearntPlan {
  const users = Array.from({ length: members }, (_, i) => `agent-${String(i).padStart(3, '0')}@example.com`);
  const plan: AssignmentPlan = {
    rotationId: 1,
    membersVersion: 0,
    users,
    schedule: Array.from(smoothWeightedSchedule(users.map(() => weight))),
    skipped: [],
    fallbackFromTeamRotationId: null,
    firstTouchSeconds: null,
  };
  const candidatesText = JSON.stringify(users.map((u, i) => ({ id: 1, team_id: 7, members_version: 0, user_email: u, weight, member_active: true, ordinal: i })));
  return { plan, candidatesText };
}

describe('PlanCache: the plans a process keeps, bounded by size', () => {
  const heavy = learnt(100, 100); // the largest a rotation allows: 100 members, weight 100 each
  const light = learnt(3, 1);

  it('weighs an entry by what it keeps: ~100 KB for a 100-member rotation of weight 100, about 1 KB for three agents', () => {
    expect(approximateBytes('1\u00007', heavy)).toBeGreaterThan(80_000);
    expect(approximateBytes('1\u00007', heavy)).toBeLessThan(200_000);
    expect(approximateBytes('1\u00007', light)).toBeLessThan(2_000);
  });

  it("keeps the service's budget however many heavy plans it is given (an entry count of 10,000 would keep ~1 GB)", () => {
    const cache = new PlanCache(PLAN_CACHE_BYTES);
    for (let team = 1; team <= 10_000; team++) cache.set(`1\u0000${team}`, heavy);
    expect(cache.bytes).toBeLessThanOrEqual(PLAN_CACHE_BYTES);
    expect(cache.size).toBeLessThan(PLAN_CACHE_BYTES / 80_000);
    expect(cache.get('1\u000010000')).toBe(heavy); // the newest stay
    expect(cache.get('1\u00001')).toBeUndefined(); // the oldest went first
  });

  it('still keeps many small plans', () => {
    const cache = new PlanCache(PLAN_CACHE_BYTES);
    for (let team = 1; team <= 10_000; team++) cache.set(`1\u0000${team}`, light);
    expect(cache.size).toBe(10_000);
  });

  it.each([
    ['replacing an entry counts it once', (cache: PlanCache) => [cache.set('a', heavy), cache.set('a', heavy)], 1],
    ['deleting an entry gives its bytes back', (cache: PlanCache) => [cache.set('a', heavy), cache.set('b', light), cache.delete('a')], 1],
    ['an entry larger than the whole budget is not kept', (cache: PlanCache) => [new PlanCache(1_000).set('a', heavy), cache.set('b', light)], 1],
  ])('%s', (_name, act, size) => {
    const cache = new PlanCache(PLAN_CACHE_BYTES);
    act(cache);
    expect(cache.size).toBe(size);
    const expected = [...['a', 'b']].reduce((sum, key) => sum + (cache.get(key) ? approximateBytes(key, cache.get(key)!) : 0), 0);
    expect(cache.bytes).toBe(expected);
  });

  it('an entry set again becomes the newest', () => {
    const cache = new PlanCache(3 * approximateBytes('k1', heavy));
    for (const key of ['k1', 'k2', 'k3']) cache.set(key, heavy);
    cache.set('k1', heavy);
    cache.set('k4', heavy);
    expect(['k1', 'k2', 'k3', 'k4'].filter((k) => cache.get(k))).toEqual(['k1', 'k3', 'k4']);
  });
});
