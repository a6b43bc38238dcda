import fc from 'fast-check';
import { memberForSlot, smoothWeightedSchedule } from './weighted-round-robin';

const weightsArb = fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 12 });

/** Turns 0..count-1 of the infinite schedule (slot s takes schedule[s mod W]). */
function turns(weights: number[], from: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => memberForSlot(weights.map((weight, i) => ({ i, weight })), () => true, from + k)!.i);
}

function counts(indices: Iterable<number>, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (const i of indices) out[i]++;
  return out;
}

describe('smooth weighted round robin', () => {
  it('one period has exactly W entries and gives each member exactly its weight', () => {
    fc.assert(
      fc.property(weightsArb, (weights) => {
        const schedule = smoothWeightedSchedule(weights);
        const total = weights.reduce((a, b) => a + b, 0);
        expect(schedule.length).toBe(total);
        expect(counts(schedule, weights.length)).toEqual(weights);
      }),
    );
  });

  it('every window of W consecutive assignments matches the weights exactly, wherever it starts', () => {
    fc.assert(
      fc.property(weightsArb, fc.nat(1_000_000), fc.nat(300), (weights, start, extra) => {
        const total = weights.reduce((a, b) => a + b, 0);
        const run = turns(weights, start, total + extra);
        // Every window of W consecutive turns inside a run of W + extra turns.
        for (let offset = 0; offset <= extra; offset++) {
          expect(counts(run.slice(offset, offset + total), weights.length)).toEqual(weights);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('is periodic with period W: slot s and slot s + k·W give the same member', () => {
    fc.assert(
      fc.property(weightsArb, fc.nat(100_000), fc.integer({ min: 1, max: 1000 }), (weights, slot, k) => {
        const total = weights.reduce((a, b) => a + b, 0);
        const members = weights.map((weight, i) => ({ i, weight }));
        expect(memberForSlot(members, () => true, slot)).toBe(memberForSlot(members, () => true, slot + k * total));
        expect(memberForSlot(members, () => true, BigInt(slot) + 10n ** 15n * BigInt(total))).toBe(memberForSlot(members, () => true, slot));
      }),
    );
  });

  it('equal weights give strict order starting with the first member', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 100 }), (size, weight) => {
        const weights = new Array<number>(size).fill(weight);
        const run = turns(weights, 0, size * weight * 2);
        // Within a period of size*weight turns, each of `weight` rounds visits members 0..size-1 in order.
        expect(run).toEqual(Array.from({ length: run.length }, (_, k) => k % size));
      }),
    );
  });

  it("matches nginx's published sequence for weights 5,1,1 (a a b a c a a)", () => {
    expect(Array.from(smoothWeightedSchedule([5, 1, 1]))).toEqual([0, 0, 1, 0, 2, 0, 0]);
    expect(Array.from(smoothWeightedSchedule([1, 2, 3]))).toEqual([2, 1, 0, 2, 1, 2]);
  });

  it('leaves inactive members out: they are never picked and the active ones keep their exact weights', () => {
    const memberArb = fc.record({ weight: fc.integer({ min: 1, max: 100 }), active: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(memberArb, { minLength: 1, maxLength: 12 }).filter((ms) => ms.some((m) => m.active)),
        fc.nat(1_000_000),
        (members, start) => {
          const activeWeights = members.filter((m) => m.active).map((m) => m.weight);
          const total = activeWeights.reduce((a, b) => a + b, 0);
          const picked = Array.from({ length: total }, (_, k) => memberForSlot(members, (m) => m.active, start + k)!);
          expect(picked.every((m) => m.active)).toBe(true);
          const got = members.map((m) => picked.filter((p) => p === m).length);
          expect(got).toEqual(members.map((m) => (m.active ? m.weight : 0)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('answers null when no member is active, and refuses weights that are not positive integers', () => {
    expect(memberForSlot([{ weight: 1 }, { weight: 3 }], () => false, 7)).toBeNull();
    expect(memberForSlot([], () => true, 0)).toBeNull();
    expect(() => smoothWeightedSchedule([1, 0])).toThrow(RangeError);
    expect(() => smoothWeightedSchedule([1.5])).toThrow(RangeError);
  });
});
