/**
 * Property tests against a reference model written separately and naively here: units are
 * expanded one by one, rounding and allocation use BigInt rationals, and the "optimizer" is plain
 * enumeration of every subset.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Coupon, CouponClass } from '../../protocol/coupon';
import type { CartLine } from '../../protocol/session';
import { Quote } from '../../protocol/session';
import { bestQuote, bestQuotePerMethod, priceWith } from './index';
import type { PricingInput } from './index';

const NOW = 1_000;

// ---------- reference model ----------

function halfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r2 = 2n * (n % d);
  return r2 > d || (r2 === d && q % 2n === 1n) ? q + 1n : q;
}
const pct = (amount: number, bps: number): number => Number(halfEven(BigInt(amount) * BigInt(bps), 10_000n));

function largestRemainder(total: number, weights: number[]): number[] {
  const W = weights.reduce((a, b) => a + b, 0);
  const ws = W === 0 ? weights.map(() => 1) : weights;
  const WW = W === 0 ? weights.length : W;
  const rows = ws.map((w, i) => ({ i, floor: Math.floor((total * w) / WW), rem: (total * w) % WW }));
  let left = total - rows.reduce((a, r) => a + r.floor, 0);
  const out = rows.map((r) => r.floor);
  for (const r of [...rows].sort((a, b) => b.rem - a.rem || a.i - b.i)) {
    if (left-- <= 0) break;
    out[r.i] = (out[r.i] ?? 0) + 1;
  }
  return out;
}

function refReason(c: Coupon, input: PricingInput, method: string | undefined): string | undefined {
  const k = c.conditions ?? {};
  const subtotal = input.lines.reduce((a, l) => a + l.quantity * l.unitPrice, 0);
  if (k.startsAt !== undefined && NOW < k.startsAt) return 'not_started';
  if (k.endsAt !== undefined && NOW >= k.endsAt) return 'expired';
  if (k.firstOrder && !input.firstOrder) return 'first_order_only';
  if (k.methods && k.methods.length > 0 && !(method && k.methods.includes(method))) return 'method_not_eligible';
  if (k.minSubtotal !== undefined && subtotal < k.minSubtotal) return 'min_subtotal_not_met';
  if (!input.lines.some((l) => refEligible(c, l))) return 'no_eligible_items';
  return undefined;
}

function refEligible(c: Coupon, l: CartLine): boolean {
  const ids = c.conditions?.productIds ?? [];
  const cats = c.conditions?.categories ?? [];
  if (ids.length === 0 && cats.length === 0) return true;
  return ids.includes(l.productId) || (l.category !== undefined && cats.includes(l.category));
}

const phaseOf = (c: Coupon): number =>
  c.kind.type === 'buy_x_get_y' ? 0 : c.kind.type === 'free_shipping' ? 2 : ({ product: 0, order: 1, shipping: 2 } as const)[c.class];
const rankOf = (c: Coupon): number => ['buy_x_get_y', 'percentage', 'fixed', 'free_shipping'].indexOf(c.kind.type);
const capOf = (c: Coupon, a: number): number => Math.min(a, c.maxDiscount ?? a);

/** Each coupon's discount when exactly `set` is applied (all assumed eligible). */
function refPrice(input: PricingInput, set: Coupon[]): Map<string, number> {
  const ordered = [...set].sort(
    (a, b) => phaseOf(a) - phaseOf(b) || rankOf(a) - rankOf(b) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
  const remaining = input.lines.map((l) => l.quantity * l.unitPrice);
  let sub = remaining.reduce((a, b) => a + b, 0);
  let ship = input.shipping;
  const out = new Map<string, number>();
  for (const c of ordered) {
    const k = c.kind;
    const phase = phaseOf(c);
    if (phase === 0) {
      const weights = input.lines.map(() => 0);
      if (k.type === 'buy_x_get_y') {
        const units: { price: number; line: number; product: string }[] = [];
        input.lines.forEach((l, i) => {
          if (refEligible(c, l)) for (let u = 0; u < l.quantity; u++) units.push({ price: l.unitPrice, line: i, product: l.productId });
        });
        for (const product of new Set(units.map((u) => u.product))) {
          const mine = units.filter((u) => u.product === product).sort((a, b) => a.price - b.price || a.line - b.line);
          const free = Math.floor(mine.length / (k.buy + k.get)) * k.get;
          for (const u of mine.slice(0, free)) weights[u.line] = (weights[u.line] ?? 0) + u.price;
        }
      } else {
        input.lines.forEach((l, i) => {
          if (refEligible(c, l)) weights[i] = l.quantity * l.unitPrice;
        });
      }
      const eligibleIdx = input.lines.map((l, i) => i).filter((i) => refEligible(c, input.lines[i] as CartLine));
      const base = weights.reduce((a, b) => a + b, 0);
      const raw = k.type === 'fixed' ? k.amount : k.type === 'percentage' || k.type === 'buy_x_get_y' ? pct(base, k.bps) : base;
      const amount = Math.min(capOf(c, raw), base);
      const shares = largestRemainder(amount, eligibleIdx.map((i) => weights[i] ?? 0));
      let got = 0;
      eligibleIdx.forEach((li, j) => {
        const take = Math.min(shares[j] ?? 0, remaining[li] ?? 0);
        remaining[li] = (remaining[li] ?? 0) - take;
        got += take;
      });
      sub -= got;
      out.set(c.code, got);
    } else {
      const base = phase === 1 ? sub : ship;
      const raw = k.type === 'percentage' ? pct(base, k.bps) : k.type === 'fixed' ? k.amount : base;
      const a = Math.min(capOf(c, raw), base);
      if (phase === 1) sub -= a;
      else ship -= a;
      out.set(c.code, a);
    }
  }
  return out;
}

const refCombines = (a: Coupon, b: Coupon): boolean =>
  (a.combinesWith?.[b.class] ?? false) && (b.combinesWith?.[a.class] ?? false);

function bruteForce(input: PricingInput, method: string | undefined): { codes: string[]; saving: number } {
  const usable = input.coupons.filter((c) => refReason(c, input, method) === undefined);
  let best = { codes: [] as string[], saving: 0 };
  for (let mask = 1; mask < 1 << usable.length; mask++) {
    const set = usable.filter((_, i) => mask & (1 << i));
    if (set.some((a, i) => set.some((b, j) => i < j && !refCombines(a, b)))) continue;
    const saving = [...refPrice(input, set).values()].reduce((a, b) => a + b, 0);
    const codes = set.map((c) => c.code).sort();
    const better =
      saving > best.saving ||
      (saving === best.saving &&
        (codes.length < best.codes.length || (codes.length === best.codes.length && codes.join('\u0000') < best.codes.join('\u0000'))));
    if (better) best = { codes, saving };
  }
  return best;
}

// ---------- generators ----------

const PRODUCTS = ['p1', 'p2', 'p3', 'p4'];
const CATS = ['c1', 'c2'];
const METHODS = ['pix', 'card'];

const lineArb = fc.record({
  productId: fc.constantFrom(...PRODUCTS),
  category: fc.option(fc.constantFrom(...CATS), { nil: undefined }),
  quantity: fc.integer({ min: 1, max: 6 }),
  unitPrice: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 1, max: 99 }), fc.constant(1_000)),
});

const bpsArb = fc.oneof(fc.constantFrom(500, 1000, 1500, 2500, 5000, 10_000), fc.integer({ min: 1, max: 10_000 }));
const kindArb: fc.Arbitrary<Coupon['kind']> = fc.oneof(
  fc.record({ type: fc.constant('percentage' as const), bps: bpsArb }),
  fc.record({ type: fc.constant('fixed' as const), amount: fc.oneof(fc.integer({ min: 1, max: 3_000 }), fc.constantFrom(500, 1000)) }),
  fc.record({ type: fc.constant('free_shipping' as const) }),
  fc.record({ type: fc.constant('buy_x_get_y' as const), buy: fc.integer({ min: 1, max: 3 }), get: fc.integer({ min: 1, max: 2 }), bps: bpsArb }),
);
const classArb = fc.constantFrom<CouponClass>('product', 'order', 'shipping');

/** Mostly absent, so that most coupons are usable and combinations are actually searched. */
const rarely = <T,>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const usually = fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.boolean() });

const couponArb = fc.record({
  class: classArb,
  kind: kindArb,
  combinesWith: rarely(fc.constant({})).chain((none) =>
    none ? fc.constant(undefined) : fc.record({ product: usually, order: usually, shipping: usually }),
  ),
  conditions: fc.record({
    minSubtotal: rarely(fc.integer({ min: 0, max: 20_000 })),
    productIds: rarely(fc.subarray(PRODUCTS)),
    categories: rarely(fc.subarray(CATS)),
    methods: rarely(fc.subarray(METHODS)),
    firstOrder: rarely(fc.boolean()),
    startsAt: rarely(fc.integer({ min: NOW - 10, max: NOW + 10 })),
    endsAt: rarely(fc.integer({ min: NOW - 10, max: NOW + 10 })),
  }),
  maxDiscount: rarely(fc.integer({ min: 0, max: 4_000 })),
});

const inputArb = (maxCoupons: number): fc.Arbitrary<PricingInput> =>
  fc
    .record({
      currency: fc.constantFrom('USD', 'JPY', 'KWD', 'BRL'),
      lines: fc.array(lineArb, { minLength: 1, maxLength: 6 }),
      shipping: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000 })),
      coupons: fc.array(couponArb, { maxLength: maxCoupons, size: 'max' }),
      firstOrder: fc.boolean(),
      codes: fc.uniqueArray(fc.stringMatching(/^[A-Z0-9]{1,4}$/), { minLength: maxCoupons, maxLength: maxCoupons }),
    })
    .map(({ lines, coupons, codes, ...rest }) => ({
      ...rest,
      now: NOW,
      lines: lines.map((l, i) => ({ id: `l${i}`, name: `Item ${i}`, ...l })),
      coupons: coupons.map((c, i): Coupon => ({ ...c, code: codes[i] ?? `X${i}` })),
    }));

const methodArb = fc.constantFrom(undefined, 'pix', 'card');

function checkInvariants(q: Quote): void {
  expect(Quote.safeParse(q).success).toBe(true);
  expect(q.total).toBe(q.subtotal + q.shipping - q.discount);
  expect(q.total).toBeGreaterThanOrEqual(0);
  expect(q.discount).toBe(q.applied.reduce((a, c) => a + c.amount, 0));
  for (const a of q.applied) expect(a.amount).toBeGreaterThan(0);
}

// ---------- properties ----------

describe('pricing properties', () => {
  it('bestQuote equals exhaustive search over all subsets (≤ 12 coupons)', () => {
    fc.assert(
      fc.property(inputArb(12), methodArb, (input, method) => {
        const q = bestQuote(input, method);
        checkInvariants(q);
        const brute = bruteForce(input, method);
        expect(q.discount).toBe(brute.saving);
        expect(q.applied.map((a) => a.code).sort()).toEqual(brute.codes);
        // Per-coupon amounts match the reference model too.
        const ref = refPrice(input, input.coupons.filter((c) => brute.codes.includes(c.code)));
        for (const a of q.applied) expect(a.amount).toBe(ref.get(a.code));
        // Every coupon is either applied or rejected, exactly once, with the right kind of reason.
        const seen = [...q.applied.map((a) => a.code), ...q.rejected.map((r) => r.code)].sort();
        expect(seen).toEqual(input.coupons.map((c) => c.code).sort());
        for (const r of q.rejected) {
          const c = input.coupons.find((x) => x.code === r.code) as Coupon;
          const why = refReason(c, input, method);
          if (why) expect(r.reason).toBe(why);
          else expect(['not_best', 'no_saving']).toContain(r.reason);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('generators exercise real combinations (guards against vacuous properties)', () => {
    const sizes = fc.sample(fc.tuple(inputArb(12), methodArb), { numRuns: 300, seed: 1 }).map(([i, m]) => bestQuote(i, m).applied.length);
    expect(sizes.filter((n) => n >= 2).length).toBeGreaterThan(60);
    expect(sizes.filter((n) => n >= 3).length).toBeGreaterThan(15);
  });

  it('priceWith(best applied codes) reproduces bestQuote: server total = client total', () => {
    fc.assert(
      fc.property(inputArb(12), methodArb, (input, method) => {
        const best = bestQuote(input, method);
        const again = priceWith(input, best.applied.map((a) => a.code), method);
        expect(again.total).toBe(best.total);
        expect(again.discount).toBe(best.discount);
        expect(again.applied).toEqual(best.applied);
        expect(again.rejected).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('priceWith matches the reference model on any requested codes', () => {
    fc.assert(
      fc.property(
        inputArb(8),
        methodArb,
        fc.array(fc.nat(9), { maxLength: 6 }),
        (input, method, picks) => {
          const codes = picks.map((i) => input.coupons[i]?.code ?? `nope${i}`);
          const q = priceWith(input, codes, method);
          checkInvariants(q);
          // Reference: first come first served among eligible, mutually combining coupons.
          const accepted: Coupon[] = [];
          const reasons = new Map<string, string>();
          for (const code of codes) {
            const c = input.coupons.find((x) => x.code === code);
            if (!c) reasons.set(code, 'unknown_code');
            else if (accepted.includes(c) || reasons.has(code)) continue;
            else if (refReason(c, input, method)) reasons.set(code, refReason(c, input, method) as string);
            else if (accepted.some((a) => !refCombines(a, c))) reasons.set(code, 'does_not_combine');
            else accepted.push(c);
          }
          const ref = refPrice(input, accepted);
          for (const [code, amount] of ref) if (amount === 0) reasons.set(code, 'no_saving');
          expect(new Map(q.applied.map((a) => [a.code, a.amount]))).toEqual(new Map([...ref].filter(([, a]) => a > 0)));
          expect(new Map(q.rejected.map((r) => [r.code, r.reason]))).toEqual(reasons);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('best per method is the best quote for that method, and method-restricted coupons only apply there', () => {
    fc.assert(
      fc.property(inputArb(10), (input) => {
        const per = bestQuotePerMethod(input, METHODS);
        for (const m of METHODS) {
          const q = per[m];
          expect(q).toEqual(bestQuote(input, m));
          for (const a of q?.applied ?? []) {
            const ms = input.coupons.find((c) => c.code === a.code)?.conditions?.methods ?? [];
            if (ms.length) expect(ms).toContain(m);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('the optimizer never does worse than any single coupon or than no coupon', () => {
    fc.assert(
      fc.property(inputArb(20), methodArb, (input, method) => {
        const best = bestQuote(input, method);
        checkInvariants(best);
        for (const c of input.coupons) expect(priceWith(input, [c.code], method).discount).toBeLessThanOrEqual(best.discount);
      }),
      { numRuns: 100 },
    );
  });
});
