import { describe, expect, it } from 'vitest';
import { bestQuote, bestQuotePerMethod, priceWith } from './index';
import type { PricingInput } from './index';
import { CASES, NOW } from './fixtures/cases';

describe('hand-checked pricing cases', () => {
  it('has at least 30 cases with unique names', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  for (const c of CASES) {
    it(c.name, () => {
      const input: PricingInput = { currency: c.currency, lines: c.lines, shipping: c.shipping, coupons: c.coupons, firstOrder: c.firstOrder ?? false, now: NOW };
      const q = c.run === 'best' ? bestQuote(input, c.method) : priceWith(input, c.run, c.method);
      expect(q.applied.map((a) => [a.code, a.amount])).toEqual(c.expect.applied);
      expect(q.discount).toBe(c.expect.discount);
      expect(q.total).toBe(c.expect.total);
      expect(q.total).toBe(q.subtotal + q.shipping - q.discount);
      const reasons = Object.fromEntries(q.rejected.map((r) => [r.code, r.reason]));
      for (const [code, reason] of Object.entries(c.expect.rejected ?? {})) expect(reasons[code]).toBe(reason);
      if (c.run === 'best') {
        // Every coupon is accounted for, and the server reproduces the client's best total.
        expect(q.applied.length + q.rejected.length).toBe(c.coupons.length);
        expect(priceWith(input, q.applied.map((a) => a.code), c.method).total).toBe(q.total);
      }
    });
  }

  it('best per method: "Save with PIX"', () => {
    const c = CASES.find((x) => x.name === 'method coupon with PIX');
    if (!c) throw new Error('fixture missing');
    const input: PricingInput = { currency: c.currency, lines: c.lines, shipping: c.shipping, coupons: c.coupons, firstOrder: false, now: NOW };
    const per = bestQuotePerMethod(input, ['pix', 'card']);
    expect(per['pix']?.total).toBe(6975);
    expect(per['pix']?.method).toBe('pix');
    expect(per['card']?.total).toBe(7300);
    expect(per['card']?.rejected).toEqual([{ code: 'PIX5', reason: 'method_not_eligible' }]);
  });
});
