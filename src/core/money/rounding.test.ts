import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocate, divRound, percentOf } from './rounding';

/** Reference half-even rounding on BigInt rationals, written independently of the module. */
function refRound(n: bigint, d: bigint): bigint {
  const lo = n / d;
  const twice = 2n * (n - lo * d);
  if (twice < d) return lo;
  if (twice > d) return lo + 1n;
  return lo % 2n === 0n ? lo : lo + 1n;
}

describe('rounding', () => {
  it('rounds half to even', () => {
    expect(divRound(5, 2)).toBe(2); // 2.5
    expect(divRound(7, 2)).toBe(4); // 3.5
    expect(divRound(1, 2)).toBe(0); // 0.5
    expect(divRound(3, 2)).toBe(2); // 1.5
    expect(divRound(10, 4)).toBe(2); // 2.5
    expect(divRound(11, 4)).toBe(3); // 2.75
    expect(divRound(9, 4)).toBe(2); // 2.25
    expect(divRound(0, 7)).toBe(0);
    expect(() => divRound(1, 0)).toThrow(RangeError);
    expect(() => divRound(-1, 2)).toThrow(RangeError);
    expect(() => divRound(1.5, 2)).toThrow(RangeError);
  });

  it('computes basis-point percentages', () => {
    expect(percentOf(1999, 1000)).toBe(200); // 199.9
    expect(percentOf(125, 1000)).toBe(12); // 12.5 → even
    expect(percentOf(135, 1000)).toBe(14); // 13.5 → even
    expect(percentOf(5, 10_000)).toBe(5);
    expect(percentOf(1, 5000)).toBe(0); // 0.5 → 0
    expect(percentOf(3, 5000)).toBe(2); // 1.5 → 2
    // amount × bps beyond 2^53 stays exact (BigInt path)
    expect(percentOf(Number.MAX_SAFE_INTEGER, 3333)).toBe(Number(refRound(BigInt(Number.MAX_SAFE_INTEGER) * 3333n, 10_000n)));
  });

  it('percentOf matches a BigInt reference and is monotone', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: 0, max: 10_000 }), (a, bps) => {
        const got = percentOf(a, bps);
        expect(BigInt(got)).toBe(refRound(BigInt(a) * BigInt(bps), 10_000n));
        if (a > 0) {
          const prev = percentOf(a - 1, bps);
          expect(got - prev).toBeGreaterThanOrEqual(0);
          expect(got - prev).toBeLessThanOrEqual(1); // so base − discount is monotone too
        }
      }),
    );
  });

  it('allocates by largest remainder, deterministic ties', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(10, [3, 3, 4])).toEqual([3, 3, 4]);
    expect(allocate(5, [1, 2])).toEqual([2, 3]); // 1.67, 3.33 → remainders .67 > .33
    expect(allocate(1, [0, 0])).toEqual([1, 0]);
    expect(allocate(0, [5, 7])).toEqual([0, 0]);
    expect(allocate(0, [])).toEqual([]);
    expect(() => allocate(1, [])).toThrow(RangeError);
  });

  it('allocation sums exactly, stays within one unit of the exact share, never exceeds a weight', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat(1_000_000), fc.maxSafeNat()), { minLength: 1, maxLength: 30 }),
        fc.maxSafeNat(),
        (weights, t) => {
          const W = weights.reduce((a, w) => a + BigInt(w), 0n);
          const total = W === 0n ? t % 1000 : Number(BigInt(t) % (W + 1n)); // total ≤ sum(weights)
          const parts = allocate(total, weights);
          expect(parts.reduce((a, p) => a + BigInt(p), 0n)).toBe(BigInt(total));
          parts.forEach((p, i) => {
            expect(Number.isSafeInteger(p)).toBe(true);
            const w = BigInt(weights[i] ?? 0);
            if (W > 0n) {
              const exact = BigInt(total) * w; // share × W
              expect(BigInt(p) * W).toBeGreaterThan(exact - W);
              expect(BigInt(p) * W).toBeLessThan(exact + W);
              expect(BigInt(p)).toBeLessThanOrEqual(w);
            }
          });
        },
      ),
    );
  });
});
